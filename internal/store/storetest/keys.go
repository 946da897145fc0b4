package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// SecurityUserKeys returns anchors: the position of the 1st, (every+1)-th,
// … matching user. A caller starts a deep page from the nearest anchor with
// After and a short Offset, so the tests check both the anchors and that
// reading from them gives the offset pages.

var keysTests = []test{
	{"EveryNth", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(70)
		replace(t, s, tn.ID, users)
		for _, mask := range keysetMasks {
			want := inOrder(matching(users, mask))
			for _, every := range []int{1, 2, 3, 10, len(want), len(want) + 1} {
				if every == 0 {
					continue
				}
				keys, _, err := s.SecurityUserKeys(ctx(t), tn.ID, mask, every)
				must(t, "SecurityUserKeys", err)
				var wantKeys []secusers.UserKey
				for i := 0; i < len(want); i += every {
					wantKeys = append(wantKeys, secusers.KeyOf(want[i]))
				}
				if diff := cmp.Diff(wantKeys, keys, cmpEmpty); diff != "" {
					t.Errorf("filter %v, every %d (-want +got):\n%s", mask, every, diff)
				}
			}
		}
	}},
	{"AnchorsGiveOffsetPages", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(50)
		replace(t, s, tn.ID, users)
		const every, size = 4, 3
		for _, mask := range keysetMasks[:3] {
			want := inOrder(matching(users, mask))
			keys, _, err := s.SecurityUserKeys(ctx(t), tn.ID, mask, every)
			must(t, "SecurityUserKeys", err)
			for offset := 1; offset <= len(want); offset++ {
				// The anchor at or before the user just before
				// the page, then skip what lies between.
				a := (offset - 1) / every
				q := secusers.UserQuery{Statuses: mask, After: &keys[a], Offset: int64(offset - 1 - a*every), Limit: size}
				page, err := s.SecurityUsers(ctx(t), tn.ID, q)
				must(t, "SecurityUsers", err)
				wantPage := want[offset:min(offset+size, len(want))]
				if diff := cmp.Diff(names(wantPage), names(decoded(t, page)), cmpEmpty); diff != "" {
					t.Errorf("filter %v, offset %d from anchor %d (-want +got):\n%s", mask, offset, a, diff)
				}
			}
		}
	}},
	{"EmptyAndErrors", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		keys, _, err := s.SecurityUserKeys(ctx(t), tn.ID, 0, 10)
		must(t, "SecurityUserKeys of a tenant without users", err)
		if len(keys) != 0 {
			t.Errorf("SecurityUserKeys of a tenant without users: got %d keys, want 0", len(keys))
		}
		replace(t, s, tn.ID, []secusers.User{newUser("Clean", 0)})
		keys, _, err = s.SecurityUserKeys(ctx(t), tn.ID, 0, 1)
		must(t, "SecurityUserKeys of a tenant without security users", err)
		if len(keys) != 0 {
			t.Errorf("SecurityUserKeys of a tenant without security users: got %d keys, want 0", len(keys))
		}
		for _, every := range []int{0, -1} {
			_, _, err := s.SecurityUserKeys(ctx(t), tn.ID, 0, every)
			wantKind(t, fmt.Sprintf("SecurityUserKeys every %d", every), err, secusers.Invalid)
		}
		_, _, err = s.SecurityUserKeys(ctx(t), tn.ID, 1<<secusers.NumStatuses, 1)
		wantKind(t, "SecurityUserKeys with an undefined status", err, secusers.Invalid)
		missing := newID()
		_, _, err = s.SecurityUserKeys(ctx(t), missing, 0, 10)
		wantNamed(t, "SecurityUserKeys of an unknown tenant", err, missing)
	}},
}
