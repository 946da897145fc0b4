package schedule

import (
	"context"
	"log/slog"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

// The defaults of Config.
const (
	// DefaultInterval is how often a tenant is synced (spec/cli.md,
	// serve --sync-interval).
	DefaultInterval = 4 * time.Hour
	// DefaultWorkers is how many syncs one process runs at once. A sync
	// mostly waits on Graph, but it ends in one large write, and SQLite has
	// one writer: more would mostly queue there.
	DefaultWorkers = 4
	// DefaultHistoryDays is how many days of history (daily points,
	// changes, ended status intervals) are kept (serve --history-days).
	DefaultHistoryDays = 400
	// DefaultJobTimeout bounds one sync run. A tenant of a million users
	// reads about two thousand Graph pages; an hour leaves room for heavy
	// throttling while still freeing the tenant the same day if a run
	// hangs.
	DefaultJobTimeout = time.Hour
)

// MinInterval is the shortest Interval Start accepts: River's periodic jobs
// are not meant to run more often than once a second.
const MinInterval = time.Second

// Config configures a Scheduler. Database, RunSync and Tenants are required.
type Config struct {
	// Database is the database that holds the jobs (store.Parse of the
	// commands' --db). Pass the store's own: servers that share a database
	// then share one schedule, which is what keeps a tenant from being
	// synced by two of them at once.
	Database store.Location
	// Interval is how often every connected tenant is synced (default
	// DefaultInterval). A tenant is synced again between Interval and
	// Interval plus a planning period (Interval/8, at most 15 minutes)
	// after its last sync finished.
	Interval time.Duration
	// Workers is how many syncs this process runs at once (default
	// DefaultWorkers). Other processes on the database run their own.
	Workers int
	// JobTimeout bounds one sync run (default DefaultJobTimeout): its
	// context is cancelled then, and the run fails and is retried. A run
	// whose process died is retried once JobTimeout and a margin have
	// passed (River's rescue). The dead run's tenant is free before that:
	// its sync lock died with the process.
	JobTimeout time.Duration

	// RunSync syncs one tenant. It must return when ctx is cancelled (on
	// timeout or shutdown), with an error. An error of kind
	// secusers.NotFound or secusers.Invalid (the tenant is gone or its
	// connection is unusable) ends the job; one of kind secusers.Conflict
	// (another runner is syncing the tenant) puts the job off for a while,
	// without counting as a failure; any other is retried with backoff, up
	// to MaxAttempts runs in all.
	RunSync func(ctx context.Context, tenantID string) error
	// Tenants returns the ids of the connected tenants, those the
	// schedule syncs.
	Tenants func(ctx context.Context) ([]string, error)
	// LatestRun returns the tenant's most recent sync run as the store
	// records it (secusers.Store.LatestSyncRun; NotFound when it has
	// none). The plan does not queue a tenant whose latest run, by
	// whichever runner (another server, an older process, the sync
	// command), succeeded less than Interval ago (a run recorded as running
	// is queued: only its sync lock can tell whether it is alive):
	// River's jobs know only the schedule's own syncs, so without it a
	// server started on a database that has none (or whose jobs River has
	// pruned) syncs every tenant at once. Optional, but every server should
	// set it.
	LatestRun func(ctx context.Context, tenantID string) (secusers.SyncRun, error)
	// PruneHistory deletes the history before a time
	// (secusers.Store.PruneHistory). The plan calls it at most once a day
	// per process, with the time HistoryDays ago; nil prunes nothing.
	PruneHistory func(ctx context.Context, before time.Time) (int, error)
	// HistoryDays is how many days of history PruneHistory keeps
	// (default DefaultHistoryDays).
	HistoryDays int

	// Logger receives the scheduler's and River's logs (default
	// slog.Default()).
	Logger *slog.Logger
	// Now is the clock that decides which tenants are due (default
	// time.Now).
	Now func() time.Time

	// The knobs below exist for this package's tests, which cannot wait
	// for production's minutes.

	// rescueAfter overrides how long a running job may go without
	// finishing before it counts as abandoned (JobTimeout + rescueMargin).
	rescueAfter time.Duration
	// retryBase overrides the first retry's delay (retryBase's constant).
	retryBase time.Duration
	// workOnly keeps the process out of leader election: it works jobs
	// but neither plans, retries nor rescues them, so that a test can
	// kill it without leaving a leader behind.
	workOnly bool
	// testOnly starts River's maintenance services without their random
	// start-up delays.
	testOnly bool
	// conflictDelay overrides how long a sync that found its tenant being
	// synced by another runner waits before it tries again.
	conflictDelay time.Duration
}

// MaxAttempts is how many times a sync job runs before River gives up on it
// until the tenant is due again. The Graph client already retries throttling
// and transient faults within a run, so a failed run is an outage or a
// broken connection, which a few retries spread over about forty minutes
// (see retryPolicy) outlast or confirm.
const MaxAttempts = 5

// conflictDelay is how long a sync job waits before it tries again when its
// run found the tenant being synced by another runner (another server's
// job, or the sync command): long enough not to
// busy the database, short enough that the job runs soon after the other
// run ends. The wait spends no attempt.
const conflictDelay = time.Minute

// rescueMargin is how long after JobTimeout a job still marked running
// counts as abandoned by a dead process and is retried. Its worker, if
// alive, cancelled it at JobTimeout; the margin covers the run's return from
// that cancellation (a rollback of its write) and clock skew between
// servers, so that a live run is never rescued while it still runs.
const rescueMargin = 5 * time.Minute

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.HistoryDays == 0 {
		c.HistoryDays = DefaultHistoryDays
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.rescueAfter == 0 {
		c.rescueAfter = c.JobTimeout + rescueMargin
	}
	if c.retryBase == 0 {
		c.retryBase = retryBase
	}
	if c.conflictDelay == 0 {
		c.conflictDelay = conflictDelay
	}
	return c
}

// validate reports the first problem of a Config with its defaults applied.
func (c Config) validate() error {
	if err := c.Database.Validate(); err != nil {
		return secusers.Wrap(secusers.Invalid, err, "schedule: "+secusers.MessageOf(err))
	}
	switch {
	case c.RunSync == nil:
		return secusers.Errorf(secusers.Invalid, "schedule: RunSync is required")
	case c.Tenants == nil:
		return secusers.Errorf(secusers.Invalid, "schedule: Tenants is required")
	case c.Interval < MinInterval:
		return secusers.Errorf(secusers.Invalid, "schedule: the sync interval must be at least %s, got %s", MinInterval, c.Interval)
	case c.Workers < 1:
		return secusers.Errorf(secusers.Invalid, "schedule: workers must be at least 1, got %d", c.Workers)
	case c.HistoryDays < 1:
		return secusers.Errorf(secusers.Invalid, "schedule: the history kept must be at least 1 day, got %d", c.HistoryDays)
	case c.JobTimeout < 0:
		return secusers.Errorf(secusers.Invalid, "schedule: the job timeout must be positive, got %s", c.JobTimeout)
	case c.rescueAfter <= c.JobTimeout:
		// River's own rule: a job must not be rescued while it may still
		// be running.
		return secusers.Errorf(secusers.Invalid, "schedule: rescue after %s must exceed the job timeout %s", c.rescueAfter, c.JobTimeout)
	}
	return nil
}

// planEvery is how often the leader looks for due tenants: often enough
// that a tenant is synced close to Interval after its last sync, rarely
// enough that listing the tenants and recent jobs costs nothing noticeable.
func (c Config) planEvery() time.Duration {
	return min(max(c.Interval/8, MinInterval), 15*time.Minute)
}
