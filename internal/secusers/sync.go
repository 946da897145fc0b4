package secusers

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// TenantConnection is how the sync reaches a tenant through Microsoft Graph.
// The credentials are sealed (encrypted) before they reach the store, which
// never sees them in the clear.
type TenantConnection struct {
	TenantID      string
	EntraTenantID string // the customer's Entra tenant, a GUID
	ClientID      string // the partner's app registration in that tenant
	// Credentials is the sealed client secret, or certificate and key.
	Credentials  []byte
	GraphURL     string // e.g. https://graph.microsoft.com
	LoginURL     string // e.g. https://login.microsoftonline.com
	InactiveDays int    // the Inactive status's period
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// SyncResult is the state of a sync run.
type SyncResult string

// The states of a sync run.
const (
	SyncRunning   SyncResult = "running"
	SyncSucceeded SyncResult = "succeeded"
	SyncFailed    SyncResult = "failed"
)

// UnavailableStatus is a status a sync run could not determine, and why
// (a read Graph refused for want of a licence).
type UnavailableStatus struct {
	Status Status `json:"status"`
	Reason string `json:"reason"`
}

// EncodeUnavailable returns the JSON form in which stores keep a run's
// unavailable statuses: an array of {"status":N,"reason":"…"}, [] when
// there are none.
func EncodeUnavailable(u []UnavailableStatus) ([]byte, error) {
	if u == nil {
		u = []UnavailableStatus{}
	}
	return json.Marshal(u)
}

// DecodeUnavailable reads what EncodeUnavailable wrote; nil when there are
// none.
func DecodeUnavailable(data []byte) ([]UnavailableStatus, error) {
	var u []UnavailableStatus
	if err := json.Unmarshal(data, &u); err != nil {
		return nil, err
	}
	if len(u) == 0 {
		return nil, nil
	}
	return u, nil
}

// SyncRun records one sync of a tenant.
type SyncRun struct {
	ID         string
	TenantID   string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Result     SyncResult
	// Deadline is when a running run is given up for dead: a process that
	// was killed leaves its run "running", and a run past its deadline no
	// longer keeps another from starting.
	Deadline      time.Time
	Users         int // users written
	SecurityUsers int // of which with a status
	Skipped       int // Graph users left out because they broke a rule of the data (no id, bad dates)
	Unavailable   []UnavailableStatus
	Error         string // why it failed; caller-safe
}

// SyncStore is what the sync needs of a store beyond Store: tenant
// connections, run records, and a replacement that keeps what belongs to
// the partner. Every Store implementation will implement it; it is separate
// only while the stores grow into it.
type SyncStore interface {
	Store

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
	// AbandonSyncRuns marks the tenant's running runs failed with reason,
	// and returns how many it marked. Only a holder of the tenant's sync
	// lock may call it: holding the lock proves those runs' processes are
	// gone.
	AbandonSyncRuns(ctx context.Context, tenantID, reason string) (int, error)
	// LatestSyncRun returns the tenant's most recent run; NotFound when it
	// has none.
	LatestSyncRun(ctx context.Context, tenantID string) (SyncRun, error)

	// SyncUsers replaces the tenant's users as ReplaceUsers does, in one
	// transaction, but keeps for every user still present what belongs to
	// the partner: isTestUser (and the TestUser bit), startDate, endDate.
	SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[User, error]) (int, error)
}

// Validate checks the connection before it is stored.
func (c TenantConnection) Validate() error {
	switch {
	case checkGUID("tenant id", c.TenantID) != nil:
		return checkGUID("tenant id", c.TenantID)
	case checkGUID("Entra tenant id", c.EntraTenantID) != nil:
		return checkGUID("Entra tenant id", c.EntraTenantID)
	case checkText("client id", c.ClientID, true) != nil:
		return checkText("client id", c.ClientID, true)
	case len(c.Credentials) == 0:
		return Errorf(Invalid, "a tenant connection needs credentials")
	case checkText("Graph URL", c.GraphURL, true) != nil:
		return checkText("Graph URL", c.GraphURL, true)
	case checkText("login URL", c.LoginURL, true) != nil:
		return checkText("login URL", c.LoginURL, true)
	case c.InactiveDays < 1:
		return Errorf(Invalid, "inactive days must be at least 1, got %d", c.InactiveDays)
	}
	return nil
}

// KeepPartnerFields returns fresh with what belongs to the partner taken
// from stored, the same user as the store has it: isTestUser (and its
// TestUser bit), startDate and endDate. A sync never changes them.
func KeepPartnerFields(fresh, stored User) User {
	fresh.IsTestUser = stored.IsTestUser
	fresh.Status = fresh.Status.Without(TestUser)
	if stored.IsTestUser {
		fresh.Status = fresh.Status.With(TestUser)
	}
	fresh.StartDate, fresh.EndDate = stored.StartDate, stored.EndDate
	return fresh
}
