package secusers

import (
	"encoding/json"
	"time"
)

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

// Started returns the run as a store records its start at now (the store's
// clock): running, started at now, not finished, its Deadline kept to the
// millisecond like every stored time, and with an id from newID when it has
// none. A run needs a Deadline after now.
func (r SyncRun) Started(now time.Time, newID func() string) (SyncRun, error) {
	if r.Deadline.IsZero() || !r.Deadline.After(now) {
		return SyncRun{}, Errorf(Invalid, "a sync run needs a deadline after its start")
	}
	if r.ID == "" {
		r.ID = newID()
	}
	r.Result, r.StartedAt, r.FinishedAt = SyncRunning, now, time.Time{}
	r.Deadline = StoredTime(r.Deadline)
	return r, nil
}

// Finished returns the run as a store records its end: it must have
// succeeded or failed, and it finished at now unless FinishedAt says when.
func (r SyncRun) Finished(now time.Time) (SyncRun, error) {
	if r.Result != SyncSucceeded && r.Result != SyncFailed {
		return SyncRun{}, Errorf(Invalid, "a finished sync run must have succeeded or failed, not %q", r.Result)
	}
	if r.FinishedAt.IsZero() {
		r.FinishedAt = now
	}
	return r, nil
}

// The errors stores record for runs that were given up.
const (
	// AbandonedPastDeadline is the error of a run that was still running
	// when its deadline passed, as StartSyncRun records it: its process
	// was killed, hung, or lost the database before it could record its
	// end.
	AbandonedPastDeadline = "abandoned: the run did not finish before its deadline"
	// AbandonedByLock is the error of a running run found by the holder of
	// the tenant's sync lock, when AbandonSyncRuns is given no reason: the
	// process that ran it is gone.
	AbandonedByLock = "abandoned: the process running it stopped before it finished"
)

// AbandonReason returns the error AbandonSyncRuns records: reason, or
// AbandonedByLock when it is empty.
func AbandonReason(reason string) string {
	if reason == "" {
		return AbandonedByLock
	}
	return reason
}

// SyncAlreadyRunning is StartSyncRun's Conflict: the tenant has a running
// run, started at started, whose deadline has not passed.
func SyncAlreadyRunning(tenantID string, started time.Time) error {
	return Errorf(Conflict, "a sync of tenant %s is already running (started at %s)", tenantID, started.Format(time.RFC3339))
}

// ValidateSyncLock checks LockTenantSync's tenant id before a store looks
// it up.
func ValidateSyncLock(tenantID string) error {
	if _, ok := ParseGUID(tenantID); !ok {
		return Errorf(Invalid, "a tenant id must be a GUID, got %q", tenantID)
	}
	return nil
}

// SyncLockHeld is LockTenantSync's Conflict: another holder has the
// tenant's sync lock.
func SyncLockHeld(tenantID string) error {
	return Errorf(Conflict, "a sync of tenant %s is already running in another process", tenantID)
}

// SyncRunEnded is FinishSyncRun's Conflict for a run whose record already
// says how it ended (another finish, or the lock's next holder or a new
// start marked it abandoned): the first word on a run's end stays, so a run
// that went on after it was written off cannot rewrite history.
func SyncRunEnded(runID string, result SyncResult) error {
	return Errorf(Conflict, "sync run %s has already ended (%s); its record stays as it is", runID, result)
}

// NoSyncRuns is LatestSyncRun's NotFound: the tenant has never been synced.
func NoSyncRuns(tenantID string) error {
	return Errorf(NotFound, "tenant %s has no sync runs", tenantID)
}

// SyncRunColumns are the columns of a stored run, in the order ScanSyncRun
// reads them.
const SyncRunColumns = `id, tenant_id, started_at, finished_at, result, deadline, users, security_users, skipped, unavailable, error`

// ScanSyncRun reads a run from a row of SyncRunColumns. Times are stored as
// Unix milliseconds; finished_at is 0 while the run runs, and deadline is 0
// for runs recorded before runs had deadlines. unavailable holds what
// EncodeUnavailable wrote.
func ScanSyncRun(row Row) (SyncRun, error) {
	var r SyncRun
	var result string
	var unavailable []byte
	err := row.Scan(&r.ID, &r.TenantID, ScanMillis(&r.StartedAt), ScanOptionalMillis(&r.FinishedAt), &result,
		ScanOptionalMillis(&r.Deadline), &r.Users, &r.SecurityUsers, &r.Skipped, &unavailable, &r.Error)
	if err != nil {
		return SyncRun{}, err
	}
	r.Result = SyncResult(result)
	if r.Unavailable, err = DecodeUnavailable(unavailable); err != nil {
		return SyncRun{}, err
	}
	return r, nil
}

// StartConflict is StartSyncRun's decision once the tenant's running runs
// past their deadline are marked failed: running is the start of the
// tenant's newest run still running, zero when none is. A run still running
// holds the tenant, so that two syncs never write its users at once.
func StartConflict(tenantID string, running time.Time) error {
	if running.IsZero() {
		return nil
	}
	return SyncAlreadyRunning(tenantID, running)
}
