package api

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/secusers/secusers/internal/secusers"
)

// DefaultRecentReads is how long the handler reuses what the store said
// about an app, its credentials, a customer, its groups and a tenant (and,
// for the cross-tenant changes, a partner's customers and groups and a
// customer's tenants): one
// second. A request with a token the server has seen then reads only its
// page, and a change still reaches every server within the second: a
// disabled app, a removed credential, a narrowed scope or a moved tenant is
// refused from then on, wherever the request lands.
const DefaultRecentReads = time.Second

// recentSize bounds each of recentReads' caches: an entry is a record of a
// few hundred bytes, and only what requests asked for in the last second is
// in it, so 10,000 entries is more than a server sees in that time and at
// most a few megabytes per cache. What falls out is read again, as every
// request did before the cache.
const recentSize = 10_000

// recentReads keeps the store's answers about the records a request checks
// before its page for a short while. Only answers that were found are kept:
// an unknown id costs a store read every time, as before, and a flood of
// them cannot keep a real record out for longer than a read.
type recentReads struct {
	apps         *recent[secusers.App]
	secrets      *recent[[]secusers.ClientSecret]
	certificates *recent[[]secusers.ClientCertificate]
	customers    *recent[secusers.Customer]
	groups       *recent[[]string]
	tenants      *recent[secusers.Tenant]
	// What a cross-tenant request resolves its scope from: a partner's
	// customers and groups, and a customer's tenants.
	partnerCustomers *recent[[]secusers.Customer]
	partnerGroups    *recent[[]secusers.CustomerGroup]
	customerTenants  *recent[[]secusers.Tenant]
}

// newRecentReads returns the caches of store's answers, each kept for ttl;
// a ttl of 0 or less reads the store every time.
func newRecentReads(store secusers.Store, ttl time.Duration) *recentReads {
	// Closures, not method values: a method value of a nil store would
	// panic here rather than fail the request that needs it.
	return &recentReads{
		apps: newRecent(ttl, func(ctx context.Context, id string) (secusers.App, error) { return store.App(ctx, id) }),
		secrets: newRecent(ttl, func(ctx context.Context, id string) ([]secusers.ClientSecret, error) {
			return store.ClientSecrets(ctx, id)
		}),
		certificates: newRecent(ttl, func(ctx context.Context, id string) ([]secusers.ClientCertificate, error) {
			return store.ClientCertificates(ctx, id)
		}),
		customers: newRecent(ttl, func(ctx context.Context, id string) (secusers.Customer, error) { return store.Customer(ctx, id) }),
		groups: newRecent(ttl, func(ctx context.Context, id string) ([]string, error) {
			return store.GroupIDsOfCustomer(ctx, id)
		}),
		tenants: newRecent(ttl, func(ctx context.Context, id string) (secusers.Tenant, error) { return store.Tenant(ctx, id) }),
		partnerCustomers: newRecent(ttl, func(ctx context.Context, id string) ([]secusers.Customer, error) {
			return store.Customers(ctx, id)
		}),
		partnerGroups: newRecent(ttl, func(ctx context.Context, id string) ([]secusers.CustomerGroup, error) {
			return store.Groups(ctx, id)
		}),
		customerTenants: newRecent(ttl, func(ctx context.Context, id string) ([]secusers.Tenant, error) {
			return store.Tenants(ctx, id)
		}),
	}
}

// recent is one store read by id, its answers kept for ttl.
type recent[V any] struct {
	ttl   time.Duration
	read  func(ctx context.Context, id string) (V, error)
	cache *otter.Cache[string, stamped[V]] // nil: no caching
}

// stamped is an answer and when it was read.
type stamped[V any] struct {
	value V
	at    time.Time
}

func newRecent[V any](ttl time.Duration, read func(context.Context, string) (V, error)) *recent[V] {
	r := &recent[V]{ttl: ttl, read: read}
	if ttl > 0 {
		r.cache = otter.Must(&otter.Options[string, stamped[V]]{
			MaximumSize:      recentSize,
			ExpiryCalculator: otter.ExpiryCreating[string, stamped[V]](ttl),
		})
	}
	return r
}

// get returns the answer for id read less than ttl ago, or reads it. The
// age is checked here too, by the wall clock, so that the bound holds
// whatever the cache does with its entries.
func (r *recent[V]) get(ctx context.Context, id string) (V, error) {
	if r.cache == nil {
		return r.read(ctx, id)
	}
	if s, ok := r.cache.GetIfPresent(id); ok {
		if age := time.Since(s.at); age >= 0 && age < r.ttl {
			return s.value, nil
		}
	}
	at := time.Now()
	v, err := r.read(ctx, id)
	if err == nil {
		r.cache.Set(id, stamped[V]{value: v, at: at})
	}
	return v, err
}
