package paging

import (
	"context"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/secusers/secusers/internal/secusers"
)

// The defaults of New.
//
// A page shallower than DefaultThreshold users is a plain offset read: for
// a common filter its skip costs about what reading a page does, and the
// first pages of a walk need no anchors read first. The threshold is low
// because a rare filter's skip of n matching users walks the index entries
// of n/rarity users: 1,000 users of a 1% status are 100,000 entries.
// Anchors are DefaultEvery users apart (about a page), thinned to at most
// DefaultMaxAnchors per tenant and filter: a deep read then skips fewer
// than a page's worth of users in a set of up to 102,400, and fewer than
// 1,000 in a set of 1,000,000, while a set of anchors stays near 100 kB.
// DefaultCacheSize sets cover the tenants and filters a server is walking
// at once. DefaultBuildTimeout bounds one read of anchors, which for a
// 1,000,000-user tenant is a scan of its index.
const (
	DefaultThreshold    = 1000
	DefaultEvery        = 100
	DefaultMaxAnchors   = 1024
	DefaultCacheSize    = 256
	DefaultBuildTimeout = time.Minute
)

// Pager reads pages of security users from a Store at a cost that does not
// grow with the page's depth. It is safe for concurrent use; one Pager per
// process shares its anchors among all requests.
type Pager struct {
	store        secusers.Store
	threshold    int64
	every        int
	maxAnchors   int
	buildTimeout time.Duration
	cache        *lru
	builds       singleflight.Group
	reads        atomic.Int64 // anchor reads from the store, for tests
}

// Option configures a Pager made by New.
type Option func(*Pager)

// WithThreshold sets the offset (in users) from which a page is read from
// anchors rather than by a plain offset read. Values below 0 count as 0.
func WithThreshold(users int) Option {
	return func(p *Pager) { p.threshold = int64(max(users, 0)) }
}

// WithAnchorEvery sets how many users apart the anchors are at the finest:
// the most a deep read skips in a set of at most every*maxAnchors users.
// Values below 1 count as 1.
func WithAnchorEvery(users int) Option {
	return func(p *Pager) { p.every = max(users, 1) }
}

// WithMaxAnchors bounds the anchors kept per tenant and filter; a larger
// set keeps every second, third, … anchor. Values below 1 count as 1.
func WithMaxAnchors(anchors int) Option {
	return func(p *Pager) { p.maxAnchors = max(anchors, 1) }
}

// WithCacheSize sets how many sets of anchors (one per tenant and filter)
// the Pager keeps. Values below 1 count as 1.
func WithCacheSize(sets int) Option {
	return func(p *Pager) { p.cache = newLRU(max(sets, 1)) }
}

// WithBuildTimeout bounds the read of one set of anchors, which runs apart
// from the request that started it.
func WithBuildTimeout(d time.Duration) Option {
	return func(p *Pager) { p.buildTimeout = d }
}

// New returns a Pager over store with the defaults above, changed by opts.
func New(store secusers.Store, opts ...Option) *Pager {
	p := &Pager{
		store:        store,
		threshold:    DefaultThreshold,
		every:        DefaultEvery,
		maxAnchors:   DefaultMaxAnchors,
		buildTimeout: DefaultBuildTimeout,
		cache:        newLRU(DefaultCacheSize),
	}
	for _, opt := range opts {
		opt(p)
	}
	return p
}

// Page returns page pageIndex (1-based) of pageSize users of the tenant's
// security users that have any of statuses (every security user when
// statuses is empty), in the API's order, with the total count and the
// version it was read at.
//
// With after, the page is the pageSize users after that position, and
// pageIndex is not used: the caller vouches that after is the last user of
// the page before. Without it, the page starts at offset
// (pageIndex-1)*pageSize, and a page past the end is empty with the true
// total. Errors are the store's, or ctx's when it ends while the page waits
// for anchors being read.
func (p *Pager) Page(ctx context.Context, tenantID string, statuses secusers.StatusSet, pageIndex, pageSize int, after *secusers.UserKey) (secusers.UserPage, error) {
	if pageIndex < 1 || pageSize < 1 {
		return secusers.UserPage{}, secusers.Errorf(secusers.Invalid, "pageIndex and pageSize must be at least 1, got %d and %d", pageIndex, pageSize)
	}
	if after != nil {
		return p.store.SecurityUsers(ctx, tenantID, secusers.UserQuery{Statuses: statuses, After: after, Limit: pageSize})
	}
	// The page's position is known from pageIndex: a store that keeps the
	// filter in blocks starts there.
	offset := int64(pageIndex-1) * int64(pageSize)
	if offset < p.threshold {
		return p.store.SecurityUsers(ctx, tenantID, secusers.UserQuery{Statuses: statuses, Offset: offset, Position: &offset, Limit: pageSize})
	}
	if secusers.Blocked(statuses.FilterMask()) {
		// A deep page of a filter the store keeps in blocks is a read of
		// one or two blocks; the anchors, a scan of the whole filter per
		// users version, are only for a tenant whose blocks are not built.
		page, err := p.store.SecurityUsers(ctx, tenantID, secusers.UserQuery{Statuses: statuses, Offset: offset, Position: &offset, Limit: pageSize, BlocksOnly: true})
		if err != nil || page.FromBlocks {
			return page, err
		}
	}
	return p.deep(ctx, cacheKey{tenantID: tenantID, statuses: statuses}, offset, pageSize)
}

// deep reads a page from anchors. A page read at another version than its
// anchors is thrown away, not served: the anchors then name positions of
// users that were replaced. The anchors are read again once; a tenant
// replaced again meanwhile is being rewritten right now, and the page is
// then a plain offset read, which is right at whatever version it reads.
func (p *Pager) deep(ctx context.Context, k cacheKey, offset int64, limit int) (secusers.UserPage, error) {
	for range 2 {
		a, err := p.anchors(ctx, k)
		if err != nil {
			return secusers.UserPage{}, err
		}
		q, anchored := a.query(k.statuses, offset, limit)
		page, err := p.store.SecurityUsers(ctx, k.tenantID, q)
		if err != nil || !anchored || page.Version == a.version {
			return page, err
		}
		p.cache.remove(k, a)
	}
	return p.store.SecurityUsers(ctx, k.tenantID, secusers.UserQuery{Statuses: k.statuses, Offset: offset, Limit: limit})
}
