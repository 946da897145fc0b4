package tenantsync

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
)

// finishTimeout bounds recording a run's end. It is recorded even when the
// run's context has ended (a cancelled run is recorded as failed), so it
// needs a deadline of its own.
const finishTimeout = 10 * time.Second

// DefaultRunTimeout bounds a run when Syncer.RunTimeout is zero. A run of a
// million-user tenant takes minutes (about four, with its write); two hours
// leaves room for hours of throttling, yet frees a tenant whose runner died
// (its record still says running) the same morning.
const DefaultRunTimeout = 2 * time.Hour

// Syncer runs syncs. Store and Box are required; the zero value of every
// other field is a sensible default. A Syncer is safe for concurrent use by
// runs of different tenants.
type Syncer struct {
	// Store holds the connections, the run records and the users.
	Store secusers.Store
	// Box opens the connections' sealed credentials.
	Box *credentials.Box
	// Now is the clock: a run's start, which the rules judge users at, and
	// its end. Default time.Now.
	Now func() time.Time
	// Logger receives a line per run and per refused read. Default: none.
	Logger *slog.Logger
	// HTTPClient sends the requests to Graph and the login endpoint.
	// Default: the graph package's.
	HTTPClient *http.Client
	// Metrics records runs, users and throttling. Default: none.
	Metrics *Metrics
	// Progress, when set, is told how far a run has got after every page
	// read and every progressEvery users written. It is called from the
	// run's goroutines and must be quick.
	Progress func(Progress)
	// SpoolDir is where the spool file goes. Default: os.TempDir().
	SpoolDir string
	// GraphConfig, when set, adjusts a run's Graph client configuration
	// before the client is made: tests shorten the backoff this way.
	GraphConfig func(*graph.Config)
	// RunTimeout bounds a run (default DefaultRunTimeout). The run's record
	// carries the bound as its Deadline, after which the store lets another
	// runner start the tenant; the run's context ends a little before (see
	// deadlineMargin), so a live run never outlives its Deadline and one
	// tenant is never synced twice at once. A caller's earlier deadline
	// (the schedule's job timeout) shortens both.
	RunTimeout time.Duration
}

// Run syncs one tenant now: it loads the tenant's connection, opens its
// credential, records the run as running, reads what users are judged
// against, and streams the users from Graph into a new generation of the
// tenant, which the store makes current when they are all in. It returns the run
// as recorded. A run that fails or is cancelled changes no user, is
// recorded as failed, and returns a *RunError; an error before the run
// starts (no connection, a credential that does not open) records nothing.
// When another run of the tenant is under way (another server's schedule,
// or the sync command), Run records nothing and returns an error of kind
// Conflict that says so. A process killed mid-run leaves a record that says
// running; its sync lock died with it, so the tenant's next run marks that
// record abandoned and goes ahead at once.
func (s *Syncer) Run(ctx context.Context, tenantID string) (secusers.SyncRun, error) {
	if canon, ok := secusers.ParseGUID(tenantID); ok {
		tenantID = canon // the store keys tenants by the canonical form
	}
	log := s.logger().With("tenant", tenantID)
	timeout, err := s.timeout(ctx)
	if err != nil {
		return secusers.SyncRun{}, err
	}
	// The context ends a margin before the recorded Deadline (set first,
	// so that the clock read after it only adds to the margin), and when
	// the tenant's sync lock is lost. The lock comes first, so that a run
	// put off because another holds the tenant costs no credential work.
	runCtx, cancel := context.WithTimeout(ctx, timeout-deadlineMargin(timeout))
	defer cancel()
	runCtx, release, err := s.lock(runCtx, tenantID, log)
	if err != nil {
		return secusers.SyncRun{}, err
	}
	defer release()
	obs := &observer{metrics: s.Metrics, progress: s.Progress}
	conn, client, err := s.prepare(runCtx, tenantID, obs)
	if err != nil {
		s.Metrics.runEnded(secusers.SyncRun{Result: secusers.SyncFailed}, 0, 0)
		log.Error("sync not started", "err", err)
		return secusers.SyncRun{}, err
	}
	start := s.now()
	run, err := s.Store.StartSyncRun(runCtx, secusers.SyncRun{
		TenantID: conn.TenantID, StartedAt: start, Deadline: start.Add(timeout), Result: secusers.SyncRunning,
	})
	if secusers.IsKind(err, secusers.Conflict) {
		err = s.busy(runCtx, conn.TenantID, err)
		log.Info("sync not started", "reason", secusers.MessageOf(err))
		return secusers.SyncRun{}, err
	} else if err != nil {
		s.Metrics.runEnded(secusers.SyncRun{Result: secusers.SyncFailed}, 0, 0)
		return secusers.SyncRun{}, fmt.Errorf("sync: recording the start of tenant %s's run: %w", tenantID, err)
	}
	if run.StartedAt.IsZero() {
		run.StartedAt = start
	}
	log = log.With("run", run.ID)
	log.Info("sync started", "entraTenant", conn.EntraTenantID, "graph", conn.GraphURL, "deadline", run.Deadline)
	r := &reader{client: client, now: run.StartedAt, inactiveDays: conn.InactiveDays, log: log}
	err = s.execute(runCtx, &run, r, obs, log)
	return s.finish(runCtx, run, r.skipped, err, log)
}

// timeout is how long a run started now may take: RunTimeout, or less when
// ctx ends sooner.
func (s *Syncer) timeout(ctx context.Context) (time.Duration, error) {
	timeout := s.RunTimeout
	if timeout <= 0 {
		timeout = DefaultRunTimeout
	}
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if timeout <= 0 || ctx.Err() != nil {
		return 0, fmt.Errorf("sync: no time left to run: %w", context.Cause(ctx))
	}
	return timeout, nil
}

// deadlineMargin is how long before its recorded Deadline a run's context
// ends: time for the run to roll back its write and record its end before
// another runner may take the tenant, and for the clocks of the servers
// that judge the Deadline to differ a little. It is a tenth of a short
// timeout, so that tests can use one of milliseconds.
func deadlineMargin(timeout time.Duration) time.Duration {
	return min(time.Minute, timeout/10)
}

// lock takes the tenant's sync lock (see secusers.Store.LockTenantSync)
// and marks the runs its previous holders left running as abandoned:
// holding the lock proves their processes are gone. It returns the context
// the run goes on under, which ends if the lock is lost.
func (s *Syncer) lock(ctx context.Context, tenantID string, log *slog.Logger) (context.Context, func(), error) {
	held, release, err := s.Store.LockTenantSync(ctx, tenantID)
	switch {
	case secusers.IsKind(err, secusers.Conflict):
		err = s.busy(ctx, tenantID, err)
		log.Info("sync not started", "reason", secusers.MessageOf(err))
		return nil, nil, err
	case secusers.IsKind(err, secusers.NotFound):
		return nil, nil, secusers.Wrap(secusers.NotFound, err, fmt.Sprintf("there is no tenant %s", tenantID))
	case err != nil:
		s.Metrics.runEnded(secusers.SyncRun{Result: secusers.SyncFailed}, 0, 0)
		return nil, nil, fmt.Errorf("sync: taking tenant %s's sync lock: %w", tenantID, err)
	}
	if n, err := s.Store.AbandonSyncRuns(held, tenantID, ""); err != nil {
		release()
		s.Metrics.runEnded(secusers.SyncRun{Result: secusers.SyncFailed}, 0, 0)
		return nil, nil, fmt.Errorf("sync: closing tenant %s's abandoned runs: %w", tenantID, err)
	} else if n > 0 {
		log.Warn("marked runs abandoned: their processes stopped before they finished", "runs", n)
	}
	return held, release, nil
}

// busy is the error of a run that the store refused because another run of
// the tenant is under way (conflict). It says since when, so that the
// operator can tell a long run from a stuck one.
func (s *Syncer) busy(ctx context.Context, tenantID string, conflict error) error {
	msg := fmt.Sprintf("tenant %s is already being synced by another run", tenantID)
	if other, err := s.Store.LatestSyncRun(ctx, tenantID); err == nil && other.Result == secusers.SyncRunning {
		msg += fmt.Sprintf(" (started at %s)", other.StartedAt.UTC().Format(time.RFC3339))
	}
	return secusers.Wrap(secusers.Conflict, conflict, msg+"; try again once it has finished")
}

// prepare loads the tenant's connection and makes its Graph client.
func (s *Syncer) prepare(ctx context.Context, tenantID string, obs *observer) (secusers.TenantConnection, *graph.Client, error) {
	conn, err := s.Store.TenantConnection(ctx, tenantID)
	if secusers.IsKind(err, secusers.NotFound) {
		return conn, nil, secusers.Wrap(secusers.NotFound, err,
			fmt.Sprintf("tenant %s is not connected to Microsoft Graph; connect it with 'secusers admin tenant connect'", tenantID))
	} else if err != nil {
		return conn, nil, fmt.Errorf("sync: loading tenant %s's connection: %w", tenantID, err)
	}
	if s.Box == nil {
		return conn, nil, secusers.Errorf(secusers.Invalid,
			"tenant %s cannot be synced without the master key (%s, or the key file beside an SQLite database)", tenantID, credentials.EnvMasterKey)
	}
	secret, err := s.Box.OpenSecret(conn.TenantID, conn.Credentials)
	if err != nil {
		return conn, nil, secusers.Wrap(secusers.Invalid, err, fmt.Sprintf(
			"the credential of tenant %s does not open: the master key (%s, or the key file beside the database) is not the one it was sealed with; connect the tenant again",
			tenantID, credentials.EnvMasterKey))
	}
	creds, err := graphCredentials(secret)
	if err != nil {
		return conn, nil, err
	}
	cfg := configOf(conn, creds)
	cfg.HTTPClient, cfg.Observer = s.HTTPClient, obs
	if s.GraphConfig != nil {
		s.GraphConfig(&cfg)
	}
	client, err := graph.New(cfg)
	if err != nil {
		return conn, nil, secusers.Wrap(secusers.Invalid, err, fmt.Sprintf("the connection of tenant %s is not usable: %v", tenantID, err))
	}
	return conn, client, nil
}

// execute does the reads that users are judged against, then streams
// read 2 into the store, filling in run's counts.
func (s *Syncer) execute(ctx context.Context, run *secusers.SyncRun, r *reader, obs *observer, log *slog.Logger) error {
	sp, err := newSpool(s.SpoolDir)
	if err != nil {
		return err
	}
	defer sp.close()
	r.spool = sp
	readStart := time.Now()
	if err := r.readFirst(ctx); err != nil {
		return err
	}
	log.Info("Graph's tenant-wide reads done", "deleted users", len(r.deletedUsers), "pages", obs.pages.Load(),
		"duration", time.Since(readStart).Round(time.Millisecond).String())
	return s.write(ctx, run, r, obs, log)
}

// finish records the run's end and returns it.
func (s *Syncer) finish(ctx context.Context, run secusers.SyncRun, skipped int, err error, log *slog.Logger) (secusers.SyncRun, error) {
	run.FinishedAt = s.now()
	run.Result, run.Skipped = secusers.SyncSucceeded, skipped
	if err != nil {
		// Nothing was written, so nothing was skipped either.
		run.Result, run.Error = secusers.SyncFailed, safeMessage(ctx, err)
		run.Users, run.SecurityUsers, run.Skipped, run.Unavailable = 0, 0, 0, nil
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if ferr := s.Store.FinishSyncRun(fctx, run); ferr != nil {
		// The users are what they are either way; the next run's record
		// supersedes this one.
		log.Error("recording the end of the run", "err", ferr)
	}
	d := run.FinishedAt.Sub(run.StartedAt)
	s.Metrics.runEnded(run, d, skipped)
	if err != nil {
		log.Error("sync failed", "err", err, "duration", d.String())
		return run, &RunError{Run: run, Err: err}
	}
	log.Info("sync completed", "users", run.Users, "securityUsers", run.SecurityUsers,
		"skipped", skipped, "unavailable", len(run.Unavailable), "duration", d.String())
	return run, nil
}

func (s *Syncer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Syncer) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
