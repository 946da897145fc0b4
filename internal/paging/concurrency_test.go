package paging

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// gatedStore is the real store whose anchor reads wait for the gate to
// open, so that tests can pile requests onto one read.
type gatedStore struct {
	secusers.Store
	gate     chan struct{}
	keyReads atomic.Int64
}

func (s *gatedStore) SecurityUserKeys(ctx context.Context, tenantID string, statuses secusers.StatusSet, every int) ([]secusers.UserKey, int64, error) {
	s.keyReads.Add(1)
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	return s.Store.SecurityUserKeys(ctx, tenantID, statuses, every)
}

// TestPagerOneReadForConcurrentMisses sends many deep pages of one tenant
// and filter at once: their anchors are read once, and every page is right.
func TestPagerOneReadForConcurrentMisses(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	replace(t, st, tenantID, randomUsers(newRand(t), 400, 0))
	gs := &gatedStore{Store: st, gate: make(chan struct{})}
	p := New(gs, WithThreshold(0), WithAnchorEvery(9))
	const n = 16
	want := make([]secusers.UserPage, n)
	for i := range want {
		want[i] = plainPage(t, st, tenantID, 0, 2+i, 11)
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			got, err := p.Page(context.Background(), tenantID, 0, 2+i, 11, nil)
			if err != nil {
				errs <- err.Error()
				return
			}
			if diff := samePage(got, want[i]); diff != "" {
				errs <- diff
			}
		})
	}
	// Let every request reach the read before it may finish.
	time.Sleep(100 * time.Millisecond)
	close(gs.gate)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := gs.keyReads.Load(); got != 1 {
		t.Errorf("anchor reads: got %d, want 1", got)
	}
}

// TestPagerWaitEndsWithCtx checks that a request stops waiting for anchors
// when its ctx ends, and that the read it started still fills the cache.
func TestPagerWaitEndsWithCtx(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	replace(t, st, tenantID, randomUsers(newRand(t), 200, 0))
	gs := &gatedStore{Store: st, gate: make(chan struct{})}
	p := New(gs, WithThreshold(0), WithAnchorEvery(9))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := p.Page(ctx, tenantID, 0, 3, 10, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the ctx's deadline", err)
	}
	close(gs.gate)
	for deadline := time.Now().Add(5 * time.Second); p.cache.len() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the anchors never reached the cache")
		}
		time.Sleep(time.Millisecond)
	}
	got, err := p.Page(context.Background(), tenantID, 0, 3, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := samePage(got, plainPage(t, st, tenantID, 0, 3, 10)); diff != "" {
		t.Error(diff)
	}
	if got := gs.keyReads.Load(); got != 1 {
		t.Errorf("anchor reads: got %d, want 1", got)
	}
}

// TestPagerCacheBounded checks that the cache keeps at most its size, the
// most recently used first.
func TestPagerCacheBounded(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	replace(t, st, tenantID, randomUsers(newRand(t), 200, 0))
	p := New(st, WithThreshold(0), WithAnchorEvery(9), WithCacheSize(2))
	page := func(statuses secusers.StatusSet) {
		t.Helper()
		if _, err := p.Page(context.Background(), tenantID, statuses, 2, 10, nil); err != nil {
			t.Fatal(err)
		}
	}
	page(0)
	page(1)
	page(0) // now the most recent
	page(2) // evicts 1
	if got := p.cache.len(); got != 2 {
		t.Errorf("cache: got %d sets, want 2", got)
	}
	reads := p.reads.Load()
	page(0)
	if got := p.reads.Load(); got != reads {
		t.Errorf("the most recently used set was evicted: %d reads, want %d", got, reads)
	}
	page(1)
	if got := p.reads.Load(); got != reads+1 {
		t.Errorf("the least recently used set was kept: %d reads, want %d", got, reads+1)
	}
}

// skewedStore reports every page at another version than its anchors: a
// tenant replaced between every two reads.
type skewedStore struct{ secusers.Store }

func (s skewedStore) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	page, err := s.Store.SecurityUsers(ctx, tenantID, q)
	if q.After != nil {
		page.Version++
	}
	return page, err
}

// TestPagerFallsBackToOffset checks that a tenant replaced faster than its
// anchors can be read still gets right pages: by a plain offset read after
// the anchors were read twice.
func TestPagerFallsBackToOffset(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	replace(t, st, tenantID, randomUsers(newRand(t), 200, 0))
	p := New(skewedStore{st}, WithThreshold(0), WithAnchorEvery(9))
	got, err := p.Page(context.Background(), tenantID, 0, 4, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := samePage(got, plainPage(t, st, tenantID, 0, 4, 10)); diff != "" {
		t.Error(diff)
	}
	if got := p.reads.Load(); got != 2 {
		t.Errorf("anchor reads: got %d, want 2", got)
	}
}

// disorderedStore returns its anchors backwards.
type disorderedStore struct{ secusers.Store }

func (s disorderedStore) SecurityUserKeys(ctx context.Context, tenantID string, statuses secusers.StatusSet, every int) ([]secusers.UserKey, int64, error) {
	keys, v, err := s.Store.SecurityUserKeys(ctx, tenantID, statuses, every)
	for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
		keys[i], keys[j] = keys[j], keys[i]
	}
	return keys, v, err
}

// TestPagerRefusesDisorderedAnchors checks that anchors out of order are an
// error rather than wrong pages.
func TestPagerRefusesDisorderedAnchors(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	replace(t, st, tenantID, randomUsers(newRand(t), 100, 0))
	p := New(disorderedStore{st}, WithThreshold(0), WithAnchorEvery(9))
	if _, err := p.Page(context.Background(), tenantID, 0, 4, 10, nil); err == nil {
		t.Error("got a page, want an error")
	}
}
