package storetest

import (
	"testing"

	"github.com/secusers/secusers/internal/secusers"
)

// The users version tells a caller whether positions it remembered (the
// anchors of SecurityUserKeys, a keyset cursor) still describe the tenant's
// users: it changes with every ReplaceUsers of the tenant, and with nothing
// else. The tests compare versions only for equality; a store may number
// them as it likes.

var versionTests = []test{
	{"ChangesOnReplaceOnly", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		seen := map[int64]string{}
		record := func(when string) int64 {
			t.Helper()
			v := pageVersion(t, s, tn.ID)
			if earlier, ok := seen[v]; ok {
				t.Errorf("%s: got version %d, which %s had already", when, v, earlier)
			}
			seen[v] = when
			return v
		}
		record("a new tenant")
		users := mixedUsers(12)
		for _, when := range []string{"the first replace", "the same users again", "no users"} {
			if when == "no users" {
				users = nil
			}
			replace(t, s, tn.ID, users)
			v := record("after " + when)
			// Reads of every kind leave it alone.
			_, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Statuses: secusers.StatusSetOf(secusers.TestUser), Limit: 3})
			must(t, "SecurityUsers", err)
			allUsers(t, s, tn.ID)
			_, _, err = s.SecurityUserKeys(ctx(t), tn.ID, 0, 2)
			must(t, "SecurityUserKeys", err)
			if got := pageVersion(t, s, tn.ID); got != v {
				t.Errorf("after reads %s: got version %d, want %d", when, got, v)
			}
		}
	}},
	{"UnchangedByAFailedReplace", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		replace(t, s, tn.ID, mixedUsers(10))
		v := pageVersion(t, s, tn.ID)
		next := mixedUsers(5)
		_, err := s.ReplaceUsers(ctx(t), tn.ID, Seq(append(next, next[0])))
		wantKind(t, "ReplaceUsers with a repeated id", err, secusers.Invalid)
		if got := pageVersion(t, s, tn.ID); got != v {
			t.Errorf("after a failed ReplaceUsers: got version %d, want %d (nothing changes)", got, v)
		}
	}},
	{"PerTenant", func(t *testing.T, s secusers.Store) {
		// Another tenant's sync must not throw away this tenant's
		// anchors: with a thousand tenants syncing, a shared version
		// would change all the time.
		tn := newTenant(t, s)
		other := createTenant(t, s, tn.CustomerID)
		elsewhere := newTenant(t, s)
		replace(t, s, tn.ID, mixedUsers(10))
		v := pageVersion(t, s, tn.ID)
		for _, o := range []secusers.Tenant{other, elsewhere} {
			replace(t, s, o.ID, mixedUsers(7))
			if got := pageVersion(t, s, tn.ID); got != v {
				t.Errorf("after replacing tenant %s: got version %d, want %d", o.ID, got, v)
			}
		}
	}},
	{"SameAcrossReads", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(25)
		replace(t, s, tn.ID, users)
		for _, mask := range keysetMasks {
			page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Statuses: mask, Limit: 4})
			must(t, "SecurityUsers", err)
			_, version, err := s.SecurityUserKeys(ctx(t), tn.ID, mask, 3)
			must(t, "SecurityUserKeys", err)
			if version != page.Version {
				t.Errorf("filter %v: SecurityUserKeys got version %d, SecurityUsers %d; want them equal", mask, version, page.Version)
			}
		}
	}},
}

// pageVersion returns the tenant's users version as SecurityUsers reports it.
func pageVersion(t *testing.T, s secusers.Store, tenantID string) int64 {
	t.Helper()
	page, err := s.SecurityUsers(ctx(t), tenantID, secusers.UserQuery{Limit: 1})
	must(t, "SecurityUsers", err)
	return page.Version
}
