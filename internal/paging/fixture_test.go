package paging

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

func guid(kind, n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, n) }

var (
	partnerID  = guid(1, 1)
	customerID = guid(2, 1)
	tenantID   = guid(4, 1)
	otherID    = guid(4, 2) // a second tenant, to show anchors do not cross
)

// newStore opens a fresh SQLite store with one partner, customer and two
// tenants without users. It answers as a store whose tenants have no blocks
// (withoutBlocks), so that the pager reads deep pages through its anchors,
// which most of these tests are about.
func newStore(tb testing.TB) secusers.Store {
	return withoutBlocks{newBlockStore(tb)}
}

// withoutBlocks is a store that answers every BlocksOnly query as one
// whose tenant's blocks are not built: no users, FromBlocks false.
type withoutBlocks struct{ secusers.Store }

func (s withoutBlocks) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if !q.BlocksOnly {
		return s.Store.SecurityUsers(ctx, tenantID, q)
	}
	page, err := s.Store.SecurityUsers(ctx, tenantID, secusers.UserQuery{Statuses: q.Statuses, Limit: 1})
	return secusers.UserPage{Total: page.Total, Version: page.Version}, err
}

// newBlockStore is newStore as the store is, with the blocks it builds.
func newBlockStore(tb testing.TB) *sqlite.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "paging.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.CreatePartner(ctx, secusers.Partner{ID: partnerID, Name: "P"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.CreateCustomer(ctx, secusers.Customer{ID: customerID, PartnerID: partnerID, Organization: "C"}); err != nil {
		tb.Fatal(err)
	}
	for _, id := range []string{tenantID, otherID} {
		if _, err := st.CreateTenant(ctx, secusers.Tenant{ID: id, CustomerID: customerID, Name: id}); err != nil {
			tb.Fatal(err)
		}
	}
	return st
}

// names repeat, differ only in case or fold together, so that the order
// has long runs of ties that only the id breaks.
var names = []string{"Ann", "ann", "ANN", "Émile", "émile", "Zoë", "zoe", "ß", "ss", "", "Bob Mark", "bob mark", "Ωmega", "K", "k"}

// randomUsers returns n users with names from the list above, some with a
// number, and random statuses, a fifth of them none. ids start at first,
// so that two calls can make disjoint users.
func randomUsers(rng *rand.Rand, n, first int) []secusers.User {
	users := make([]secusers.User, n)
	for i := range users {
		name := names[rng.IntN(len(names))]
		if rng.IntN(3) == 0 {
			name += fmt.Sprintf(" %d", rng.IntN(50))
		}
		var st secusers.StatusSet
		if rng.IntN(5) != 0 {
			st = secusers.StatusSet(rng.IntN(int(secusers.AllStatusBits)) + 1)
		}
		users[i] = secusers.User{ID: guid(6, first+i), DisplayName: name, Status: st, IsTestUser: st.Has(secusers.TestUser)}
	}
	return users
}

func replace(tb testing.TB, st secusers.Store, tenant string, users []secusers.User) {
	tb.Helper()
	var seq iter.Seq2[secusers.User, error] = func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
	if _, err := st.ReplaceUsers(context.Background(), tenant, seq); err != nil {
		tb.Fatalf("replace users of %s: %v", tenant, err)
	}
}

// plainPage is the reference: the store's own offset read.
func plainPage(tb testing.TB, st secusers.Store, tenant string, statuses secusers.StatusSet, pageIndex, pageSize int) secusers.UserPage {
	tb.Helper()
	page, err := st.SecurityUsers(context.Background(), tenant, secusers.UserQuery{
		Statuses: statuses, Offset: int64(pageIndex-1) * int64(pageSize), Limit: pageSize,
	})
	if err != nil {
		tb.Fatalf("plain page %d of %d: %v", pageIndex, pageSize, err)
	}
	return page
}

func ids(users []secusers.PageUser) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Key.ID
	}
	return out
}

// samePage reports how got differs from want, "" when it does not.
func samePage(got, want secusers.UserPage) string {
	switch {
	case got.Total != want.Total:
		return fmt.Sprintf("total: got %d, want %d", got.Total, want.Total)
	case got.Version != want.Version:
		return fmt.Sprintf("version: got %d, want %d", got.Version, want.Version)
	case !slices.Equal(ids(got.Users), ids(want.Users)):
		return fmt.Sprintf("users: got %v, want %v", ids(got.Users), ids(want.Users))
	}
	return ""
}

// randomFilter returns no filter a third of the time, else one or two
// statuses.
func randomFilter(rng *rand.Rand) secusers.StatusSet {
	switch rng.IntN(3) {
	case 0:
		return 0
	case 1:
		return secusers.StatusSetOf(secusers.Status(rng.IntN(secusers.NumStatuses)))
	}
	return secusers.StatusSetOf(secusers.Status(rng.IntN(secusers.NumStatuses)), secusers.Status(rng.IntN(secusers.NumStatuses)))
}
