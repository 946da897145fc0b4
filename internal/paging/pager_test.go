package paging

import (
	"context"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// seed is logged, so that a failure can be replayed by pinning it.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, 0))
}

// TestPagerMatchesOffset compares the Pager's pages with the store's plain
// offset pages for random filters, page sizes and indexes, under anchor
// spacings that put page boundaries everywhere between anchors.
func TestPagerMatchesOffset(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rng := newRand(t)
	replace(t, st, tenantID, randomUsers(rng, 1000, 0))
	replace(t, st, otherID, randomUsers(rng, 300, 10000))
	for _, every := range []int{1, 2, 7, 100, 1000} {
		// A few anchors make the thinned, wider spacings.
		p := New(st, WithThreshold(rng.IntN(40)), WithAnchorEvery(every), WithMaxAnchors(1+rng.IntN(60)))
		for range 60 {
			check(t, p, st, rng, tenantID)
		}
		check(t, p, st, rng, otherID)
	}
}

// check compares one random page of tenant.
func check(t *testing.T, p *Pager, st secusers.Store, rng *rand.Rand, tenant string) {
	t.Helper()
	statuses := randomFilter(rng)
	size := 1 + rng.IntN(120)
	total := plainPage(t, st, tenant, statuses, 1, 1).Total
	index := 1 + rng.IntN(int(total)/size+3)
	if rng.IntN(20) == 0 {
		index = math.MaxInt32
	}
	got, err := p.Page(context.Background(), tenant, statuses, index, size, nil)
	if err != nil {
		t.Fatalf("filter %v, page %d of %d: %v", statuses, index, size, err)
	}
	if diff := samePage(got, plainPage(t, st, tenant, statuses, index, size)); diff != "" {
		t.Fatalf("filter %v, page %d of %d: %s", statuses, index, size, diff)
	}
}

// TestPagerAfterReplace replaces the tenant's users between pages: anchors
// of the users before must never serve a page of the users after.
func TestPagerAfterReplace(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rng := newRand(t)
	p := New(st, WithThreshold(0), WithAnchorEvery(5), WithMaxAnchors(20))
	for round := range 8 {
		// Sizes that grow and shrink, and users that sort before, among
		// and after the ones they replace.
		replace(t, st, tenantID, randomUsers(rng, 50+rng.IntN(600), round*1000))
		for range 25 {
			check(t, p, st, rng, tenantID)
		}
	}
}

// TestPagerRereadsOnce checks that anchors are read once per version of
// the tenant's users: again after a replacement, and not again after that.
func TestPagerRereadsOnce(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rng := newRand(t)
	p := New(st, WithThreshold(0), WithAnchorEvery(10))
	for round := range 3 {
		replace(t, st, tenantID, randomUsers(rng, 300, round*1000))
		for _, index := range []int{5, 2, 9, 30} {
			got, err := p.Page(context.Background(), tenantID, 0, index, 7, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := samePage(got, plainPage(t, st, tenantID, 0, index, 7)); diff != "" {
				t.Fatalf("round %d, page %d: %s", round, index, diff)
			}
		}
		if got, want := p.reads.Load(), int64(round+1); got != want {
			t.Errorf("round %d: got %d anchor reads in all, want %d", round, got, want)
		}
	}
}

// TestPagerKeyset checks that a page after the last user of the page
// before is that page's successor.
func TestPagerKeyset(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	rng := newRand(t)
	replace(t, st, tenantID, randomUsers(rng, 500, 0))
	p := New(st)
	for range 60 {
		statuses := randomFilter(rng)
		size := 1 + rng.IntN(50)
		total := plainPage(t, st, tenantID, statuses, 1, 1).Total
		index := 2 + rng.IntN(int(total)/size+2)
		before := plainPage(t, st, tenantID, statuses, index-1, size)
		if len(before.Users) == 0 {
			continue
		}
		after := before.Users[len(before.Users)-1].Key
		got, err := p.Page(context.Background(), tenantID, statuses, index, size, &after)
		if err != nil {
			t.Fatal(err)
		}
		if diff := samePage(got, plainPage(t, st, tenantID, statuses, index, size)); diff != "" {
			t.Fatalf("filter %v, page %d of %d after %v: %s", statuses, index, size, after, diff)
		}
	}
}

// TestPagerPastTheEnd checks an empty page with the true total, however
// far past the end, and on a tenant without users.
func TestPagerPastTheEnd(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	replace(t, st, tenantID, randomUsers(newRand(t), 100, 0))
	p := New(st, WithThreshold(0), WithAnchorEvery(10))
	want := plainPage(t, st, tenantID, 0, 1, 1).Total
	for _, tenant := range []string{tenantID, otherID} {
		for _, index := range []int{int(want) + 1, 1000, math.MaxInt32} {
			got, err := p.Page(context.Background(), tenant, 0, index, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantTotal := want
			if tenant == otherID {
				wantTotal = 0
			}
			if len(got.Users) != 0 || got.Total != wantTotal {
				t.Errorf("tenant %s, page %d of 1000: got %d users of %d, want 0 of %d", tenant, index, len(got.Users), got.Total, wantTotal)
			}
		}
	}
}

func TestPagerErrors(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	p := New(st, WithThreshold(0))
	for _, c := range [][2]int{{0, 10}, {1, 0}, {-1, -1}} {
		if _, err := p.Page(context.Background(), tenantID, 0, c[0], c[1], nil); !secusers.IsKind(err, secusers.Invalid) {
			t.Errorf("page %d of %d: got %v, want an Invalid error", c[0], c[1], err)
		}
	}
	if _, err := p.Page(context.Background(), guid(4, 99), 0, 5, 10, nil); !secusers.IsKind(err, secusers.NotFound) {
		t.Errorf("an unknown tenant: got %v, want a NotFound error", err)
	}
}

// TestAnchorQuery pins the arithmetic: anchor i is the user at offset
// i*every, and a read after it starts at offset i*every+1.
func TestAnchorQuery(t *testing.T) {
	t.Parallel()
	k := func(n string) secusers.UserKey { return secusers.UserKey{SortKey: n, ID: n} }
	a := &anchorSet{keys: []secusers.UserKey{k("0"), k("3"), k("6")}, every: 3}
	tests := []struct {
		offset     int64
		wantAfter  string // "" for a plain read
		wantOffset int64
	}{
		{0, "", 0},
		{1, "0", 0},
		{2, "0", 1},
		{3, "0", 2},
		{4, "3", 0},
		{6, "3", 2},
		{7, "6", 0},
		{100, "6", 93},
	}
	for _, tt := range tests {
		q, anchored := a.query(0, tt.offset, 5)
		var after string
		if q.After != nil {
			after = q.After.ID
		}
		if after != tt.wantAfter || q.Offset != tt.wantOffset || anchored != (tt.wantAfter != "") || q.Limit != 5 {
			t.Errorf("offset %d: got after %q, offset %d (anchored %v), want after %q, offset %d",
				tt.offset, after, q.Offset, anchored, tt.wantAfter, tt.wantOffset)
		}
	}
	if q, anchored := (&anchorSet{every: 3}).query(0, 10, 5); anchored || q.After != nil || q.Offset != 10 {
		t.Errorf("no anchors: got %+v (anchored %v), want a plain read at 10", q, anchored)
	}
}

// TestThin checks that thinning keeps the 1st, (m+1)-th, … anchor with the
// spacing multiplied by m, and at most max of them.
func TestThin(t *testing.T) {
	t.Parallel()
	keys := make([]secusers.UserKey, 10)
	for i := range keys {
		keys[i] = secusers.UserKey{ID: string(rune('a' + i))}
	}
	tests := []struct {
		max       int
		wantIDs   string
		wantEvery int64
	}{
		{10, "abcdefghij", 3},
		{100, "abcdefghij", 3},
		{9, "acegi", 6},
		{5, "acegi", 6},
		{4, "adgj", 9},
		{3, "aei", 12},
		{1, "a", 30},
	}
	for _, tt := range tests {
		got, every := thin(keys, 3, tt.max)
		var ids string
		for _, k := range got {
			ids += k.ID
		}
		if ids != tt.wantIDs || every != tt.wantEvery {
			t.Errorf("thin(10 keys, 3, %d): got %q every %d, want %q every %d", tt.max, ids, every, tt.wantIDs, tt.wantEvery)
		}
	}
	if got, every := thin(nil, 3, 4); len(got) != 0 || every != 3 {
		t.Errorf("thin(no keys): got %d keys every %d, want none every 3", len(got), every)
	}
}

// keyCounter counts the anchor reads of the store it wraps.
type keyCounter struct {
	secusers.Store
	reads atomic.Int64
}

func (s *keyCounter) SecurityUserKeys(ctx context.Context, tenantID string, statuses secusers.StatusSet, every int) ([]secusers.UserKey, int64, error) {
	s.reads.Add(1)
	return s.Store.SecurityUserKeys(ctx, tenantID, statuses, every)
}

// TestPagerReadsDeepPagesFromBlocks checks that a deep page of a filter the
// store keeps in blocks is read from them, with no anchor read, and that
// the other filters still use the anchors.
func TestPagerReadsDeepPagesFromBlocks(t *testing.T) {
	t.Parallel()
	st := &keyCounter{Store: newBlockStore(t)}
	rng := newRand(t)
	replace(t, st, tenantID, randomUsers(rng, 700, 0))
	p := New(st, WithThreshold(0), WithAnchorEvery(9))
	for _, statuses := range []secusers.StatusSet{0, secusers.StatusSetOf(secusers.HighRisk)} {
		for index := 1; index <= 8; index++ {
			got, err := p.Page(context.Background(), tenantID, statuses, index, 13, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !got.FromBlocks {
				t.Errorf("filter %v, page %d: not read from blocks", statuses, index)
			}
			if diff := samePage(got, plainPage(t, st, tenantID, statuses, index, 13)); diff != "" {
				t.Errorf("filter %v, page %d: %s", statuses, index, diff)
			}
		}
	}
	if n := st.reads.Load(); n != 0 {
		t.Errorf("anchor reads for filters kept in blocks: got %d, want 0", n)
	}
	two := secusers.StatusSetOf(secusers.HighRisk, secusers.Inactive)
	if _, err := p.Page(context.Background(), tenantID, two, 5, 13, nil); err != nil {
		t.Fatal(err)
	}
	if n := st.reads.Load(); n != 1 {
		t.Errorf("anchor reads for a filter of two statuses: got %d, want 1", n)
	}
}
