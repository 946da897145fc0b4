package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

// hardStopWait bounds how long Stop waits, after cancelling the syncs still
// running at its deadline, for them to return.
const hardStopWait = 10 * time.Second

// riverClient is what the scheduler uses of a River client. River's client
// is generic in its driver's transaction type (pgx.Tx or *sql.Tx); none of
// these methods mentions it, so both clients are one type here.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Scheduler syncs the connected tenants on a schedule, as River jobs in the
// database. It is safe for concurrent use.
type Scheduler struct {
	client  riverClient
	closeDB func() error
	logger  *slog.Logger

	stopOnce sync.Once
	stopErr  error
}

// Start opens River's connection to cfg.Database, brings River's tables up to
// date (safely when several servers start together), and starts working
// sync jobs with cfg.Workers workers. ctx bounds the start only; the
// scheduler runs until Stop. Errors are secusers errors: Invalid for a bad
// Config or PostgreSQL DSN, Unavailable for a database that cannot be opened.
func Start(ctx context.Context, cfg Config) (*Scheduler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	plan := &planWorker{cfg: cfg}
	client, closeDB, err := open(ctx, cfg.Database, riverConfig(cfg, plan))
	if err != nil {
		return nil, err
	}
	plan.client = client
	// River stops its client when the context given to its Start ends; the
	// scheduler stops on Stop instead, so that a start-up deadline does not
	// end it.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		closeDB()
		return nil, secusers.Wrap(secusers.Unavailable, err, "schedule: cannot start the job queue")
	}
	return &Scheduler{client: client, closeDB: closeDB, logger: cfg.Logger}, nil
}

// open opens the database at loc and makes River's client on it.
func open(ctx context.Context, loc store.Location, rc *river.Config) (riverClient, func() error, error) {
	if loc.Kind == store.PostgreSQL {
		return openPostgres(ctx, loc.URL, rc)
	}
	return openSQLite(ctx, loc, rc)
}

// riverConfig is River's configuration for cfg.
func riverConfig(cfg Config, plan *planWorker) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{cfg: cfg})
	river.AddWorker(workers, plan)
	rc := &river.Config{
		Logger:  riverLogger(cfg.Logger),
		Workers: workers,
		Queues: map[string]river.QueueConfig{
			syncQueue: {MaxWorkers: cfg.Workers},
			planQueue: {MaxWorkers: 1},
		},
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.rescueAfter,
		MaxAttempts:          MaxAttempts,
		RetryPolicy:          retryPolicy{base: cfg.retryBase},
		// The plan reads the finished syncs of the last Interval, so River
		// must keep them at least that long.
		CompletedJobRetentionPeriod: max(24*time.Hour, 2*cfg.Interval),
		CancelledJobRetentionPeriod: max(24*time.Hour, 2*cfg.Interval),
		DiscardedJobRetentionPeriod: max(7*24*time.Hour, 2*cfg.Interval),
		LeaderElectionDisabled:      cfg.workOnly,
		TestOnly:                    cfg.testOnly,
	}
	if !cfg.workOnly {
		// Only the elected leader runs periodic jobs. RunOnStart plans as
		// soon as a leader is elected: the plan reads what is due from the
		// database, so planning early never syncs a tenant too often.
		rc.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(cfg.planEvery()),
			func() (river.JobArgs, *river.InsertOpts) { return planArgs{}, nil },
			&river.PeriodicJobOpts{ID: planKind, RunOnStart: true},
		)}
	}
	return rc
}

// Enqueue queues a sync of the tenant now ("sync now"). When a sync of the
// tenant is already queued or running, on this server or another, it adds
// none: that sync is the one asked for. A sync waiting out a retry's
// backoff is brought forward to now instead of adding one. Enqueue does
// not check that the tenant is connected; a sync of a tenant that is not
// fails for good, without retries.
func (s *Scheduler) Enqueue(ctx context.Context, tenantID string) error {
	if tenantID == "" {
		return secusers.Errorf(secusers.Invalid, "schedule: the tenant id is empty")
	}
	res, err := s.client.Insert(ctx, syncArgs{TenantID: tenantID}, nil)
	if err != nil {
		return secusers.Wrap(secusers.Unavailable, err, "schedule: cannot queue the sync of tenant "+tenantID)
	}
	if res.UniqueSkippedAsDuplicate && (res.Job.State == rivertype.JobStateRetryable || res.Job.State == rivertype.JobStateScheduled) {
		// Without this, "sync now" after fixing a tenant's connection
		// could wait half an hour for the retry. River leaves the job
		// alone if it started running meanwhile.
		if _, err := s.client.JobRetry(ctx, res.Job.ID); err != nil {
			// The sync is queued either way, only later.
			s.logger.WarnContext(ctx, "schedule: cannot bring a retrying sync forward", "tenant", tenantID, "err", err)
		}
	}
	return nil
}

// Stop stops taking jobs and waits for the syncs running in this process
// to finish, until ctx ends. Then it cancels those still running (River
// puts each back in the queue, without spending an attempt, for any server
// to run again), waits up to hardStopWait for them to return, and closes
// the database connection. It returns an error when it had to cancel syncs
// or they did not return; calling it again returns the same result.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Scheduler) stop(ctx context.Context) error {
	var err error
	if soft := s.client.Stop(ctx); soft != nil {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopWait)
		defer cancel()
		if e := s.client.StopAndCancel(hard); e != nil {
			// Closing the pool now would wait for the stuck syncs'
			// connections; the process is about to exit anyway.
			return fmt.Errorf("schedule: syncs still running %s after they were cancelled; the database connection is left open: %w", hardStopWait, e)
		}
		err = fmt.Errorf("schedule: the syncs still running at the deadline were cancelled and will run again: %w", soft)
	}
	return errors.Join(err, s.closeDB())
}
