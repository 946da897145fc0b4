package secusers

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// Store keeps everything the service knows. Each method is one transaction:
// it either happens whole or not at all. Not-found is an Error of kind
// NotFound, a duplicate is Conflict, an unreachable database is Unavailable.
// Creating methods set CreatedAt from the store's clock and return the stored
// value. Every backend passes the conformance suite in internal/store/storetest.
type Store interface {
	// Ping reports whether the store is ready to serve: that its database
	// can be reached and read, holds this release's schema (CheckSchema:
	// at least the newest migration the binary embeds), and answers a read
	// of an application table, all within ctx. A database that is
	// unreachable, locked by another process, damaged, or re-created
	// without the schema fails it with an Unavailable error whose message
	// is safe to show.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error

	CredentialStore
	AuditStore

	CreatePartner(ctx context.Context, p Partner) (Partner, error)
	Partner(ctx context.Context, id string) (Partner, error)
	Partners(ctx context.Context) ([]Partner, error)

	// CreateCustomer fails with NotFound when the partner does not exist.
	CreateCustomer(ctx context.Context, c Customer) (Customer, error)
	Customer(ctx context.Context, id string) (Customer, error)
	Customers(ctx context.Context, partnerID string) ([]Customer, error)

	// CreateGroup fails with NotFound when the partner or one of the
	// customers does not exist or a customer is another partner's.
	CreateGroup(ctx context.Context, g CustomerGroup) (CustomerGroup, error)
	Groups(ctx context.Context, partnerID string) ([]CustomerGroup, error)
	// GroupIDsOfCustomer lists the groups the customer is a member of.
	GroupIDsOfCustomer(ctx context.Context, customerID string) ([]string, error)

	// CreateTenant fails with NotFound when the customer does not exist.
	CreateTenant(ctx context.Context, t Tenant) (Tenant, error)
	Tenant(ctx context.Context, id string) (Tenant, error)
	// Tenants lists the tenants of one customer, or of all customers when
	// customerID is "".
	Tenants(ctx context.Context, customerID string) ([]Tenant, error)

	// CreateApp fails with NotFound when the partner, or a customer or group
	// named by the scope, does not exist or is another partner's.
	CreateApp(ctx context.Context, a App) (App, error)
	App(ctx context.Context, clientID string) (App, error)
	Apps(ctx context.Context, partnerID string) ([]App, error)
	// DisableApp marks the app disabled; its tokens stop working at once.
	DisableApp(ctx context.Context, clientID string) error
	// SetAppScope replaces the app's customer scope; it fails with NotFound
	// when the app, or a customer or group the scope names, does not exist
	// or is another partner's.
	SetAppScope(ctx context.Context, clientID string, scope CustomerScope) error
	// AddClientSecret fails with NotFound when the app does not exist.
	AddClientSecret(ctx context.Context, s ClientSecret) (ClientSecret, error)
	// ClientSecrets lists the app's secrets, expired ones included.
	ClientSecrets(ctx context.Context, clientID string) ([]ClientSecret, error)

	// ReplaceUsers replaces every user of the tenant with the users the
	// sequence yields, in one transaction, and records the import in the
	// audit trail with Replacement.Detail. When the sequence yields an
	// error, or a user is invalid or repeats an ID, nothing changes and
	// that error is returned. It returns how many users the tenant had
	// before and has after, both counted inside the transaction.
	ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[User, error]) (Replacement, error)
	// SecurityUsers returns one page of the tenant's security users in the
	// API's order (SortKey of displayName, then ID), the count of all that
	// match, and the tenant's users version, all read in one snapshot.
	SecurityUsers(ctx context.Context, tenantID string, q UserQuery) (UserPage, error)
	// SecurityUserKeys returns the position of every every-th user that
	// matches statuses (as UserQuery.Statuses): the 1st, the (every+1)-th,
	// and so on, with the users version they were read at. Callers keep
	// them as anchors, so that a deep page is a short keyset read from the
	// nearest anchor instead of a long offset skip.
	SecurityUserKeys(ctx context.Context, tenantID string, statuses StatusSet, every int) ([]UserKey, int64, error)
	// Users yields every user of the tenant, security users or not, in the
	// API's order. Stopping early releases the underlying query.
	Users(ctx context.Context, tenantID string) iter.Seq2[User, error]

	// SigningKeys lists the keys whose tokens may still be valid: the
	// active key first, then retired keys, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// EnsureSigningKey returns the active signing key, storing candidate as
	// the active key when there is none. Concurrent callers, in one process
	// or several, all get the same key.
	EnsureSigningKey(ctx context.Context, candidate SigningKey) (SigningKey, error)
	// RotateSigningKey retires the active key (RetiredAt = now) and makes
	// candidate the active key, in one transaction.
	RotateSigningKey(ctx context.Context, candidate SigningKey) (SigningKey, error)
	// PruneSigningKeys deletes the keys retired before the given time: no
	// token they signed can still be valid. It returns how many it deleted.
	PruneSigningKeys(ctx context.Context, retiredBefore time.Time) (int, error)
}

// Replacement is what a ReplaceUsers did: how many users the tenant had
// before it and has after it. Before is counted in the same transaction
// as the replacement, so no concurrent write falls between the two.
type Replacement struct {
	Before, After int
}

// Detail is the replacement's audit detail, e.g. "1180 → 1200 users".
func (r Replacement) Detail() string {
	return fmt.Sprintf("%d → %d users", r.Before, r.After)
}

// UserKey is a position in the API's order of a tenant's users.
type UserKey struct {
	SortKey string // SortKey(displayName)
	ID      string
}

// KeyOf returns the user's position in the API's order.
func KeyOf(u User) UserKey { return UserKey{SortKey: SortKey(u.DisplayName), ID: u.ID} }

// Less reports whether k comes before o in the API's order.
func (k UserKey) Less(o UserKey) bool {
	if k.SortKey != o.SortKey {
		return k.SortKey < o.SortKey
	}
	return k.ID < o.ID
}

// UserQuery selects a page of a tenant's security users.
type UserQuery struct {
	// Statuses, when not empty, selects the users that have any of them;
	// when empty, every user with at least one status.
	Statuses StatusSet
	// After, when set, starts the page after this position (a keyset
	// read, whose cost does not grow with the depth of the page); Offset
	// then counts from there.
	After *UserKey
	// Offset is how many matching users to skip; Limit how many to return.
	Offset int64
	Limit  int
}

// UserPage is one page of security users, the count of all that match, and
// the tenant's users version the page was read at.
type UserPage struct {
	Users []User
	Total int64
	// Version changes whenever the tenant's users are replaced, so that
	// positions remembered at one version are not used at another.
	Version int64
}
