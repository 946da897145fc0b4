package storetest

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// Keyset paging (UserQuery.After) must give exactly the pages that offset
// paging gives, in the same order, whatever the filter and the page size:
// the API may serve one client's walk by either, or switch between them.

// keysetMasks are the filters the keyset tests read with: none, a single
// status, two statuses, and one that matches nobody in mixedUsers.
var keysetMasks = []secusers.StatusSet{
	0,
	secusers.StatusSetOf(secusers.TestUser),
	secusers.StatusSetOf(secusers.HighRisk, secusers.Inactive),
	secusers.StatusSetOf(secusers.PendingDeletion),
}

var keysetTests = []test{
	{"EqualsOffsetPages", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		// Names repeat in several letter cases and include non-ASCII,
		// so many users share a sort key and only the id orders them.
		users := mixedUsers(70)
		replace(t, s, tn.ID, users)
		for _, mask := range keysetMasks {
			want := inOrder(matching(users, mask))
			for _, size := range []int{1, 2, 3, 7, 10, len(want), len(want) + 1} {
				if size == 0 {
					continue
				}
				got := readKeysetPages(t, s, tn.ID, mask, size, int64(len(want)))
				if diff := cmp.Diff(names(want), names(got), cmpEmpty); diff != "" {
					t.Errorf("filter %v, keyset pages of %d concatenated (-want +got):\n%s", mask, size, diff)
				}
				byOffset := readPages(t, s, tn.ID, mask, size, int64(len(want)))
				if diff := cmp.Diff(names(byOffset), names(got), cmpEmpty); diff != "" {
					t.Errorf("filter %v, size %d: keyset pages differ from offset pages (-offset +keyset):\n%s", mask, size, diff)
				}
			}
		}
	}},
	{"AfterThenOffset", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(30)
		replace(t, s, tn.ID, users)
		want := inOrder(matching(users, 0))
		// Offset counts from the position after After.
		for i := range want {
			for _, offset := range []int64{0, 1, 4} {
				after := secusers.KeyOf(want[i])
				page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{After: &after, Offset: offset, Limit: 3})
				must(t, "SecurityUsers", err)
				from := min(i+1+int(offset), len(want))
				wantPage := want[from:min(from+3, len(want))]
				if diff := cmp.Diff(names(wantPage), names(decoded(t, page)), cmpEmpty); diff != "" {
					t.Errorf("after user %d, offset %d (-want +got):\n%s", i, offset, diff)
				}
			}
		}
	}},
	{"AfterAPositionNoUserHas", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(30)
		replace(t, s, tn.ID, users)
		want := inOrder(matching(users, 0))
		// A remembered position whose user is gone (replaced since) still
		// orders: the page starts at the first user after it.
		for _, after := range []secusers.UserKey{
			{},                        // before everyone, even the empty name
			{SortKey: "ann"},          // before every "Ann" and "ann"
			{SortKey: "ann", ID: "~"}, // after them ("~" sorts after any GUID)
			{SortKey: "bob"},          // between two names
			{SortKey: "émile", ID: want[len(want)/2].ID},
			{SortKey: "zzz"},
			{SortKey: "\U0010FFFF"}, // after everyone
		} {
			page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{After: &after, Limit: 5})
			must(t, "SecurityUsers", err)
			from := startAfter(want, after)
			wantPage := want[from:min(from+5, len(want))]
			if diff := cmp.Diff(names(wantPage), names(decoded(t, page)), cmpEmpty); diff != "" {
				t.Errorf("after %+q (-want +got):\n%s", after, diff)
			}
		}
	}},
	{"PastTheEnd", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(20)
		replace(t, s, tn.ID, users)
		for _, mask := range keysetMasks[:3] {
			want := inOrder(matching(users, mask))
			last := secusers.KeyOf(want[len(want)-1])
			for _, q := range []secusers.UserQuery{
				{Statuses: mask, After: &last, Limit: 10},
				{Statuses: mask, After: &last, Offset: 5, Limit: 10},
				{Statuses: mask, After: &secusers.UserKey{SortKey: "\U0010FFFF\U0010FFFF"}, Limit: 10},
			} {
				page, err := s.SecurityUsers(ctx(t), tn.ID, q)
				must(t, "SecurityUsers", err)
				if len(page.Users) != 0 || page.Total != int64(len(want)) {
					t.Errorf("filter %v, after %+v, offset %d: got %d users of %d, want 0 of %d",
						mask, *q.After, q.Offset, len(page.Users), page.Total, len(want))
				}
			}
		}
	}},
	{"BadAfter", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		replace(t, s, tn.ID, mixedUsers(5))
		// A position may come from a client's cursor: text no store can
		// compare is refused alike by every store, not a fault of one.
		for _, after := range []secusers.UserKey{
			{SortKey: "bad \xff UTF-8", ID: newID()},
			{SortKey: "nul\x00", ID: newID()},
			{SortKey: "ann", ID: "\xfe"},
		} {
			_, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{After: &after, Limit: 10})
			wantKind(t, fmt.Sprintf("SecurityUsers after %q", after), err, secusers.Invalid)
		}
	}},
}

// startAfter returns the index of the first of users (in the API's order)
// that comes after the position.
func startAfter(users []secusers.User, after secusers.UserKey) int {
	for i, u := range users {
		if after.Less(secusers.KeyOf(u)) {
			return i
		}
	}
	return len(users)
}

// readKeysetPages reads every page of size the way a client follows a
// keyset nextLink: each page starts after the last user of the one before.
// It checks that each page is full but the last and reports the true total,
// and returns the pages concatenated.
func readKeysetPages(t *testing.T, s secusers.Store, tenantID string, mask secusers.StatusSet, size int, total int64) []secusers.User {
	t.Helper()
	var all []secusers.User
	var after *secusers.UserKey
	for read := int64(0); ; {
		page, err := s.SecurityUsers(ctx(t), tenantID, secusers.UserQuery{Statuses: mask, After: after, Limit: size})
		must(t, "SecurityUsers", err)
		if page.Total != total {
			t.Errorf("filter %v, size %d, after %d users: got total %d, want %d", mask, size, read, page.Total, total)
		}
		if want := min(int64(size), total-read); int64(len(page.Users)) != want {
			t.Fatalf("filter %v, size %d, after %d users: got %d users, want %d", mask, size, read, len(page.Users), want)
		}
		if len(page.Users) == 0 {
			return all
		}
		all = append(all, decoded(t, page)...)
		read += int64(len(page.Users))
		key := page.Users[len(page.Users)-1].Key
		after = &key
	}
}
