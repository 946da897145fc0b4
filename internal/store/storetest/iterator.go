package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

var iteratorTests = []test{
	{"EarlyStopReleases", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(10)
		replace(t, s, tn.ID, users)
		want := inOrder(users)
		// More early stops than any sensible pool has connections: a
		// leaked query would exhaust it, and the calls would hang until
		// the deadline.
		c, cancel := context.WithTimeout(ctx(t), 10*time.Second)
		defer cancel()
		for range 50 {
			var got []secusers.User
			for u, err := range s.Users(c, tn.ID) {
				must(t, "Users", err)
				got = append(got, u)
				if len(got) == 3 {
					break
				}
			}
			if diff := cmp.Diff(want[:3], got); diff != "" {
				t.Fatalf("Users, first three (-want +got):\n%s", diff)
			}
		}
		_, err := s.SecurityUsers(c, tn.ID, secusers.UserQuery{Limit: 10})
		must(t, "SecurityUsers after early stops", err)
		_, err = s.ReplaceUsers(c, tn.ID, Seq(mixedUsers(3)))
		must(t, "ReplaceUsers after early stops", err)
	}},
	{"UnknownTenant", func(t *testing.T, s secusers.Store) {
		var errs []error
		for u, err := range s.Users(ctx(t), newID()) {
			if err == nil {
				t.Errorf("Users of an unknown tenant: got user %s, want an error", u.ID)
				continue
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 {
			t.Fatalf("Users of an unknown tenant: got %d errors, want 1", len(errs))
		}
		wantKind(t, "Users of an unknown tenant", errs[0], secusers.NotFound)
	}},
	{"Empty", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		if got := allUsers(t, s, tn.ID); len(got) != 0 {
			t.Errorf("Users of a tenant without users: got %d, want 0", len(got))
		}
	}},
}
