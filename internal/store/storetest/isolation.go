package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// Users of one tenant are never visible through another: not through a
// tenant of the same customer, another customer of the same partner, or
// another partner. The tenants below hold users with the same ids, so a
// query that lost its tenant condition would show.
var isolationTests = []test{
	{"UsersStayInTheirTenant", func(t *testing.T, s secusers.Store) {
		partnerA, partnerB := createPartner(t, s), createPartner(t, s)
		a1, a2 := createCustomer(t, s, partnerA.ID), createCustomer(t, s, partnerA.ID)
		b1 := createCustomer(t, s, partnerB.ID)
		tenants := []secusers.Tenant{
			createTenant(t, s, a1.ID), createTenant(t, s, a1.ID), // same customer
			createTenant(t, s, a2.ID), // same partner
			createTenant(t, s, b1.ID), // another partner
		}
		ids := make([]string, 8)
		for i := range ids {
			ids[i] = newID()
		}
		want := make(map[string][]secusers.User)
		for i, tn := range tenants {
			var users []secusers.User
			for j, id := range ids[:4+i] { // different counts, too
				u := newUser(fmt.Sprintf("user %d", j), secusers.StatusSetOf(secusers.HighRisk))
				u.ID, u.Company = id, "company of "+tn.ID
				users = append(users, u)
			}
			replace(t, s, tn.ID, users)
			want[tn.ID] = inOrder(users)
		}
		check := func(when string) {
			t.Helper()
			for _, tn := range tenants {
				if diff := cmp.Diff(want[tn.ID], allUsers(t, s, tn.ID), cmpEmpty); diff != "" {
					t.Errorf("%s: Users of tenant %s (-want +got):\n%s", when, tn.ID, diff)
				}
				page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 100})
				must(t, "SecurityUsers", err)
				if diff := cmp.Diff(want[tn.ID], decoded(t, page), cmpEmpty); diff != "" || page.Total != int64(len(want[tn.ID])) {
					t.Errorf("%s: SecurityUsers of tenant %s, total %d (-want +got):\n%s", when, tn.ID, page.Total, diff)
				}
			}
		}
		check("after filling every tenant")
		replace(t, s, tenants[0].ID, nil)
		want[tenants[0].ID] = nil
		check("after emptying the first tenant")
	}},
}
