package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// BlocksMatchRows checks a store's blocks (secusers.BlockFilters) against
// its rows: for every filter, page size, offset and position, the page read
// from the blocks equals the page read row by row once rowsOnly has made
// the store ignore the tenant's blocks (as it does for a tenant whose
// blocks were built at another users version). It needs the store's
// internals to do that, so each store's tests call it.
func BlocksMatchRows(t *testing.T, s secusers.Store, rowsOnly func(t *testing.T, tenantID string)) {
	t.Helper()
	ctx := context.Background()
	tenant := NewTenant(t, s)
	users := ShuffledUsers(730)
	if _, err := s.ReplaceUsers(ctx, tenant, Seq(users)); err != nil {
		t.Fatal(err)
	}
	type read struct {
		mask secusers.StatusSet
		q    secusers.UserQuery
	}
	var reads []read
	for _, mask := range secusers.BlockFilters() {
		want := matching(users, mask)
		keys := []*secusers.UserKey{nil, {SortKey: "", ID: ""}, {SortKey: "\U0010FFFF"}}
		for _, i := range []int{0, 99, 100, len(want) - 1} {
			if i >= 0 && i < len(want) {
				k := secusers.KeyOf(inOrder(want)[i])
				keys = append(keys, &k)
			}
		}
		for _, after := range keys {
			for _, size := range []int{1, 100, 1000} {
				for _, offset := range []int64{0, 99, 101} {
					reads = append(reads, read{mask, secusers.UserQuery{Statuses: mask, After: after, Offset: offset, Limit: size}})
					if after == nil { // the same page, its position given
						pos := offset
						reads = append(reads, read{mask, secusers.UserQuery{Statuses: mask, Offset: offset, Position: &pos, Limit: size}})
					}
				}
			}
		}
	}
	pages := func() []secusers.UserPage {
		out := make([]secusers.UserPage, len(reads))
		for i, r := range reads {
			p, err := s.SecurityUsers(ctx, tenant, r.q)
			if err != nil {
				t.Fatalf("SecurityUsers(%+v): %v", r.q, err)
			}
			out[i] = p
		}
		return out
	}
	fromBlocks := pages()
	rowsOnly(t, tenant)
	fromRows := pages()
	for i := range reads {
		if !fromBlocks[i].FromBlocks || fromRows[i].FromBlocks {
			t.Fatalf("query %+v: FromBlocks %v with blocks and %v without, want true and false", reads[i].q, fromBlocks[i].FromBlocks, fromRows[i].FromBlocks)
		}
		fromRows[i].FromBlocks = true
		if diff := cmp.Diff(fromRows[i], fromBlocks[i], cmpEmpty); diff != "" {
			t.Errorf("filter %d, query %+v: the page from blocks differs from the rows' (-rows +blocks):\n%s", reads[i].mask, reads[i].q, diff)
		}
	}
	// Without current blocks, BlocksOnly reads nothing.
	page, err := s.SecurityUsers(ctx, tenant, secusers.UserQuery{Limit: 10, BlocksOnly: true})
	if err != nil || page.FromBlocks || len(page.Users) != 0 || page.Total != int64(len(matching(users, 0))) {
		t.Errorf("BlocksOnly without current blocks: got %d users, total %d, FromBlocks %v, %v; want none of %d, false",
			len(page.Users), page.Total, page.FromBlocks, err, len(matching(users, 0)))
	}
}
