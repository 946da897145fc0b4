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
	// sequence yields, and records the import in the audit trail with
	// Replacement.Detail. It writes them as a new generation of the
	// tenant, GenerationChunk users a transaction (SQLite: three times that), while it consumes the
	// sequence; one short transaction then makes the generation current,
	// which is when readers see it, whole, and which records the changes
	// against the generation before (StatusChange), the users' status
	// intervals and the tenant's point of the day. The generation before
	// is deleted after, in short transactions too. When the sequence
	// yields an error, or a user is invalid or repeats an ID, nothing
	// readers see changes and that error is returned (an invalid or
	// repeated user's Invalid error gives its 1-based position in the
	// sequence). A replacement that a later-begun one of the same tenant
	// overtakes fails with Superseded. The tenant's users version is the
	// current generation's number. It returns how many users the tenant
	// had before and has after.
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

	// The sync's part: tenant connections, run records, the tenant's sync
	// lock, and a replacement that keeps what belongs to the partner.
	//
	// SaveTenantConnection creates or replaces the tenant's connection;
	// NotFound when the tenant does not exist.
	SaveTenantConnection(ctx context.Context, c TenantConnection) (TenantConnection, error)
	TenantConnection(ctx context.Context, tenantID string) (TenantConnection, error)
	TenantConnections(ctx context.Context) ([]TenantConnection, error)

	// StartSyncRun records a run as running, giving it an ID when it has
	// none; FinishSyncRun records its end. It fails with Conflict, and
	// records nothing, when the tenant has a running run whose Deadline has
	// not passed: one tenant is never synced twice at once, whoever starts
	// the runs (the schedule on any server, or the sync command). Running
	// runs past their deadline are marked failed ("abandoned") in the same
	// transaction. A run needs a Deadline after its StartedAt.
	StartSyncRun(ctx context.Context, run SyncRun) (SyncRun, error)
	// FinishSyncRun writes a running run's end once: Conflict
	// (SyncRunEnded), and nothing written, when its record already says
	// how it ended (finished, or marked abandoned); NotFound when the
	// tenant has no such run.
	FinishSyncRun(ctx context.Context, run SyncRun) error
	// LockTenantSync takes the tenant's sync lock, which one holder in all
	// processes on the database has at a time; Conflict when another holds
	// it, NotFound when the tenant does not exist. The lock dies with its
	// holder: when the process is killed (or loses its database session),
	// it is free at once, so a crashed run never blocks its tenant. It
	// returns a context derived from ctx that ends when the lock is lost
	// (a broken session), so that the holder stops rather than run on
	// beside the next holder, and the release, which ends that context too.
	LockTenantSync(ctx context.Context, tenantID string) (held context.Context, release func(), err error)
	// AbandonSyncRuns marks the tenant's running runs failed with reason
	// (AbandonedByLock when it is empty), and returns how many it marked. Only a holder of the tenant's sync
	// lock may call it: holding the lock proves those runs' processes are
	// gone.
	AbandonSyncRuns(ctx context.Context, tenantID, reason string) (int, error)
	// LatestSyncRun returns the tenant's most recent run; NotFound when it
	// has none.
	LatestSyncRun(ctx context.Context, tenantID string) (SyncRun, error)

	// SyncUsers replaces the tenant's users as ReplaceUsers does, as a
	// new generation, but keeps for every user still present what belongs
	// to the partner: isTestUser (and the TestUser bit), startDate,
	// endDate. The sequence may come from the network: no transaction is
	// open while the store waits for its next user.
	SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[User, error]) (int, error)

	// Changes reads the feed of status changes (ChangeQuery, ChangePage),
	// oldest first, in one snapshot.
	Changes(ctx context.Context, q ChangeQuery) (ChangePage, error)
	// History returns the tenant's points of the days from and to
	// (inclusive, UTC days) that had data, oldest first; NotFound when the
	// tenant does not exist.
	History(ctx context.Context, tenantID string, from, to time.Time) ([]HistoryPoint, error)
	// StatusIntervals returns the user's status intervals in the tenant,
	// oldest first: the open ones and those ended within the kept history.
	StatusIntervals(ctx context.Context, tenantID, userID string) ([]StatusInterval, error)
	// PruneHistory deletes the history before the given time: days before
	// its day, the changes of generations made current before it, and the
	// status intervals that ended before it. It returns how many rows it
	// deleted, in short transactions.
	PruneHistory(ctx context.Context, before time.Time) (int, error)
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

// Replacing is which of the two ways a store replaces a tenant's users:
// the rules that differ between them are the domain's, so that every store
// follows them alike.
type Replacing int

// The ways a store replaces a tenant's users.
const (
	// Importing is ReplaceUsers: the partner's own list, written as
	// given; an administrative change, recorded in the audit trail.
	Importing Replacing = iota
	// Syncing is SyncUsers: Graph's users, each keeping the partner's
	// fields of the stored user (KeepingPartnerFields); the service at
	// work, not an administrative change, so not audited.
	Syncing
)

// KeepsPartnerFields reports whether the replacement keeps the partner's
// fields of the users it replaces.
func (r Replacing) KeepsPartnerFields() bool { return r == Syncing }

// Audited reports whether the replacement is recorded in the audit trail
// (AuditTenantImport, with Replacement.Detail).
func (r Replacing) Audited() bool { return r == Importing }
