package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// mixedUsers returns n users with repeating, case-varied names and a spread
// of statuses, a fifth of them with none.
func mixedUsers(n int) []secusers.User {
	names := []string{"Ann", "ann", "Émile", "émile", "Zoë", "zoe", "ß", "", "Bob Mark", "bob mark"}
	statuses := []secusers.StatusSet{
		0,
		secusers.StatusSetOf(secusers.MFADisabled),
		secusers.StatusSetOf(secusers.HighRisk, secusers.PasswordExpired),
		secusers.StatusSetOf(secusers.TestUser),
		secusers.StatusSetOf(secusers.Inactive, secusers.Compliance, secusers.TestUser),
	}
	users := make([]secusers.User, n)
	for i := range users {
		users[i] = newUser(names[i%len(names)], statuses[i*7%len(statuses)])
	}
	return users
}

var pagingTests = []test{
	{"EveryPageSize", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(40)
		replace(t, s, tn.ID, users)
		for _, mask := range []secusers.StatusSet{0, secusers.StatusSetOf(secusers.TestUser)} {
			want := inOrder(matching(users, mask))
			for size := 1; size <= len(want)+1; size++ {
				got := readPages(t, s, tn.ID, mask, size, int64(len(want)))
				if diff := cmp.Diff(names(want), names(got)); diff != "" {
					t.Errorf("filter %v, pages of %d concatenated (-want +got):\n%s", mask, size, diff)
				}
			}
		}
	}},
	{"PastTheEnd", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(20)
		replace(t, s, tn.ID, users)
		total := int64(len(matching(users, 0)))
		for _, offset := range []int64{total, total + 1, total + 1000} {
			page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Offset: offset, Limit: 10})
			must(t, "SecurityUsers", err)
			if len(page.Users) != 0 || page.Total != total {
				t.Errorf("offset %d: got %d users of %d, want 0 of %d", offset, len(page.Users), page.Total, total)
			}
		}
		empty := createTenant(t, s, tn.CustomerID)
		page, err := s.SecurityUsers(ctx(t), empty.ID, secusers.UserQuery{Limit: 10})
		must(t, "SecurityUsers of a tenant without users", err)
		if len(page.Users) != 0 || page.Total != 0 {
			t.Errorf("a tenant without users: got %d users of %d, want 0 of 0", len(page.Users), page.Total)
		}
	}},
	{"BadQueries", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		for _, q := range []secusers.UserQuery{
			{Limit: 0},
			{Limit: -1},
			{Limit: 10, Offset: -1},
		} {
			_, err := s.SecurityUsers(ctx(t), tn.ID, q)
			wantKind(t, fmt.Sprintf("SecurityUsers %+v", q), err, secusers.Invalid)
		}
		_, err := s.SecurityUsers(ctx(t), newID(), secusers.UserQuery{Limit: 10})
		wantKind(t, "SecurityUsers of an unknown tenant", err, secusers.NotFound)
	}},
}

// readPages reads every page of size the way a client follows nextLink,
// checks that each page is full but the last and that each reports the true
// total, and returns the pages concatenated.
func readPages(t *testing.T, s secusers.Store, tenantID string, mask secusers.StatusSet, size int, total int64) []secusers.User {
	t.Helper()
	var all []secusers.User
	for offset := int64(0); offset < total; offset += int64(size) {
		page, err := s.SecurityUsers(ctx(t), tenantID, secusers.UserQuery{Statuses: mask, Offset: offset, Limit: size})
		must(t, "SecurityUsers", err)
		if page.Total != total {
			t.Errorf("filter %v, size %d, offset %d: got total %d, want %d", mask, size, offset, page.Total, total)
		}
		if want := min(int64(size), total-offset); int64(len(page.Users)) != want {
			t.Errorf("filter %v, size %d, offset %d: got %d users, want %d", mask, size, offset, len(page.Users), want)
		}
		all = append(all, decoded(t, page)...)
	}
	return all
}
