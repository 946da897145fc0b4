package storetest

import (
	"errors"
	"iter"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

var replaceTests = []test{
	{"Replaces", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		replace(t, s, tn.ID, mixedUsers(30))
		second := mixedUsers(12)
		replace(t, s, tn.ID, second)
		if diff := cmp.Diff(inOrder(second), allUsers(t, s, tn.ID)); diff != "" {
			t.Errorf("Users after a second ReplaceUsers (-want +got):\n%s", diff)
		}
		replace(t, s, tn.ID, nil)
		if got := allUsers(t, s, tn.ID); len(got) != 0 {
			t.Errorf("Users after replacing with none: got %d, want 0", len(got))
		}
		_, err := s.ReplaceUsers(ctx(t), newID(), Seq(mixedUsers(3)))
		wantKind(t, "ReplaceUsers of an unknown tenant", err, secusers.NotFound)
	}},
	{"CountsBeforeAndAfter", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		// Another tenant's users count in neither number.
		replace(t, s, newTenant(t, s).ID, mixedUsers(7))
		for _, tc := range []struct {
			users int
			want  secusers.Replacement
		}{
			{30, secusers.Replacement{Before: 0, After: 30}},
			{12, secusers.Replacement{Before: 30, After: 12}},
			{12, secusers.Replacement{Before: 12, After: 12}},
			{0, secusers.Replacement{Before: 12, After: 0}},
			{5, secusers.Replacement{Before: 0, After: 5}},
		} {
			got, err := s.ReplaceUsers(ctx(t), tn.ID, Seq(mixedUsers(tc.users)))
			must(t, "ReplaceUsers", err)
			if got != tc.want {
				t.Errorf("ReplaceUsers of %d users: got %+v, want %+v", tc.users, got, tc.want)
			}
			// The audit trail records the same counts, newest first.
			events := auditEvents(t, s, secusers.AuditQuery{Target: tn.ID, Action: secusers.AuditTenantImport, Limit: 1})
			if len(events) != 1 || events[0].Detail != tc.want.Detail() {
				t.Errorf("audit event of ReplaceUsers of %d users: got %+v, want one with detail %q", tc.users, events, tc.want.Detail())
			}
		}
	}},
	{"AllOrNothing", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		before := mixedUsers(10)
		replace(t, s, tn.ID, before)
		errBroken := errors.New("the source broke")
		next := mixedUsers(6)
		invalid := newUser("Invalid", 1<<secusers.NumStatuses)
		for _, tc := range []struct {
			name  string
			users iter.Seq2[secusers.User, error]
			check func(error) bool
		}{
			{"error midway", failAfter(next, 3, errBroken), func(err error) bool { return errors.Is(err, errBroken) }},
			{"error first", failAfter(next, 0, errBroken), func(err error) bool { return errors.Is(err, errBroken) }},
			{"invalid user", Seq(append(next[:4:4], invalid, next[4])), isInvalid},
			{"repeated id", Seq(append(next[:5:5], next[1])), isInvalid},
			{"repeated id of an old user", Seq(append(next[:5:5], before[2], before[2])), isInvalid},
		} {
			r, err := s.ReplaceUsers(ctx(t), tn.ID, tc.users)
			if !tc.check(err) {
				t.Errorf("%s: got error %v, want the sequence's error or an Invalid one", tc.name, err)
			}
			if r != (secusers.Replacement{}) {
				t.Errorf("%s: got %+v, want the zero Replacement", tc.name, r)
			}
			if diff := cmp.Diff(inOrder(before), allUsers(t, s, tn.ID)); diff != "" {
				t.Errorf("%s: Users after a failed ReplaceUsers (-want +got):\n%s", tc.name, diff)
			}
		}
	}},
}

// failAfter yields the first n users, then err.
func failAfter(users []secusers.User, n int, err error) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		for _, u := range users[:n] {
			if !yield(u, nil) {
				return
			}
		}
		yield(secusers.User{}, err)
	}
}

func isInvalid(err error) bool { return secusers.IsKind(err, secusers.Invalid) }
