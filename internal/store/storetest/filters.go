package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

var filterTests = []test{
	{"AnyOf", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		var users []secusers.User
		for i, status := range []secusers.StatusSet{
			0,
			secusers.StatusSetOf(secusers.MFADisabled),
			secusers.StatusSetOf(secusers.SignInBlocked),
			secusers.StatusSetOf(secusers.MFADisabled, secusers.PasswordExpired, secusers.HighRisk), // the reference's 13
			secusers.StatusSetOf(secusers.HighRisk, secusers.MediumRisk),
			secusers.StatusSetOf(secusers.Compliance),
			secusers.StatusSetOf(secusers.Inactive),
			secusers.StatusSetOf(secusers.PendingDeletion),
			secusers.StatusSetOf(secusers.TestUser), // a test user with no other finding
			secusers.StatusSetOf(secusers.MediumRisk, secusers.TestUser),
			secusers.AllStatusBits,
			0,
		} {
			users = append(users, newUser(string(rune('a'+i)), status))
		}
		replace(t, s, tn.ID, users)
		masks := []secusers.StatusSet{0, secusers.AllStatusBits,
			secusers.StatusSetOf(secusers.MFADisabled, secusers.Compliance),
			secusers.StatusSetOf(secusers.HighRisk, secusers.PendingDeletion, secusers.Inactive),
		}
		for _, st := range secusers.AllStatuses() {
			masks = append(masks, secusers.StatusSetOf(st))
		}
		for _, mask := range masks {
			want := inOrder(matching(users, mask))
			page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Statuses: mask, Limit: 100})
			must(t, "SecurityUsers", err)
			if page.Total != int64(len(want)) {
				t.Errorf("filter %v: got total %d, want %d", mask, page.Total, len(want))
			}
			if diff := cmp.Diff(names(want), names(decoded(t, page)), cmpEmpty); diff != "" {
				t.Errorf("filter %v (-want +got):\n%s", mask, diff)
			}
		}
	}},
	{"NoStatusIsNoSecurityUser", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		replace(t, s, tn.ID, []secusers.User{newUser("Clean", 0), newUser("Also clean", 0)})
		page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 10})
		must(t, "SecurityUsers", err)
		if page.Total != 0 || len(page.Users) != 0 {
			t.Errorf("users without a status: got %d security users (total %d), want none", len(page.Users), page.Total)
		}
		if got := len(allUsers(t, s, tn.ID)); got != 2 {
			t.Errorf("Users: got %d, want 2 (every user, security user or not)", got)
		}
	}},
}
