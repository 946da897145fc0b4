package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/secusers/secusers/internal/secusers"
)

// The job kinds and queues in River's tables. They are stored with every
// job, so renaming one strands the jobs queued under the old name.
const (
	syncKind  = "secusers_sync_tenant"
	planKind  = "secusers_sync_plan"
	syncQueue = "secusers_sync"
	// planQueue is separate so that planning is never stuck behind a
	// queue full of long syncs.
	planQueue = "secusers_sync_plan"
)

// planTimeout bounds one planning run: listing the tenants and the recent
// jobs, and queuing the due syncs.
const planTimeout = time.Minute

// planMaxAttempts: a failed plan is retried a little, then the next
// periodic plan takes over.
const planMaxAttempts = 3

// pendingStates are the states in which a job blocks another of the same
// unique key: queued (pending, scheduled, available), running, or waiting
// to retry (retryable). Completed, cancelled and discarded are left out, so
// that a tenant can be synced again once its previous sync is over. River
// requires the first four; retryable makes a failed sync's retry the only
// next sync of that tenant.
var pendingStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// finishedStates are the states of a job that will not run again.
var finishedStates = []rivertype.JobState{
	rivertype.JobStateCancelled,
	rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded,
}

// syncArgs is a tenant's sync job. The whole of it is the unique key, so
// it must never gain a field that differs between two syncs of one tenant.
type syncArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind names the job in River's tables.
func (syncArgs) Kind() string { return syncKind }

// InsertOpts makes every sync job of one tenant share one unique key,
// wherever it is queued from (Enqueue or the plan): uniqueness only holds
// between jobs inserted with the same options.
func (syncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       syncQueue,
		MaxAttempts: MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: pendingStates},
	}
}

// planArgs is the periodic job that queues the due syncs. It is unique too,
// so that a plan queued by an outgoing leader and one by its successor do
// not both run.
type planArgs struct{}

// Kind names the job in River's tables.
func (planArgs) Kind() string { return planKind }

// InsertOpts puts plans in their own queue, one at a time.
func (planArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       planQueue,
		MaxAttempts: planMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByState: pendingStates},
	}
}

// syncWorker runs a tenant's sync job.
type syncWorker struct {
	river.WorkerDefaults[syncArgs]
	cfg Config
}

// Timeout bounds a run. River also reads it before rescuing a job, so a
// run is never rescued before its own timeout.
func (w *syncWorker) Timeout(*river.Job[syncArgs]) time.Duration { return w.cfg.JobTimeout }

// Work syncs the tenant and tells River what to do with a failure.
func (w *syncWorker) Work(ctx context.Context, job *river.Job[syncArgs]) error {
	tenantID := job.Args.TenantID
	if done, err := w.syncedMeanwhile(ctx, job); err != nil || done {
		return err
	}
	err := w.cfg.RunSync(ctx, tenantID)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		// Carry the context's cause whatever RunSync wrapped: River
		// recognises its own shutdown by it and puts the job back as
		// available without spending an attempt, while a timeout counts
		// as a failure.
		return fmt.Errorf("sync of tenant %s stopped: %w (%w)", tenantID, context.Cause(ctx), err)
	case secusers.IsKind(err, secusers.Conflict):
		// Another runner holds the tenant; this is not a failure of the
		// tenant's sync, so it spends no attempt and backs off no further.
		w.cfg.Logger.InfoContext(ctx, "schedule: the tenant is being synced by another run; trying again later",
			"tenant", tenantID, "reason", secusers.MessageOf(err), "delay", w.cfg.conflictDelay.String())
		return river.JobSnooze(w.cfg.conflictDelay)
	case secusers.IsKind(err, secusers.NotFound), secusers.IsKind(err, secusers.Invalid):
		// The tenant is gone or its connection unusable: retrying cannot
		// help, and the next plan no longer lists it or tries afresh.
		return river.JobCancel(fmt.Errorf("sync of tenant %s: %w", tenantID, err))
	}
	return fmt.Errorf("sync of tenant %s: %w", tenantID, err)
}

// syncedMeanwhile tells whether a job put off by a Conflict has nothing left
// to do: the run that held the tenant succeeded after the job was queued,
// so the sync asked for has happened. It asks only after a put-off, so a
// job's first run never pays for the lookup.
func (w *syncWorker) syncedMeanwhile(ctx context.Context, job *river.Job[syncArgs]) (bool, error) {
	if w.cfg.LatestRun == nil || snoozes(job.Metadata) == 0 {
		return false, nil
	}
	run, err := w.cfg.LatestRun(ctx, job.Args.TenantID)
	if err != nil {
		// Syncing again is the safe answer; the run reports any real
		// trouble with the store.
		return false, nil
	}
	if run.Result == secusers.SyncSucceeded && run.FinishedAt.After(job.CreatedAt) {
		w.cfg.Logger.InfoContext(ctx, "schedule: the tenant was synced by another run meanwhile",
			"tenant", job.Args.TenantID, "run", run.ID)
		return true, nil
	}
	return false, nil
}

// snoozes is how many times River put the job off (JobSnooze): the
// "snoozes" count River keeps in its metadata.
func snoozes(metadata []byte) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	if json.Unmarshal(metadata, &m) != nil {
		return 0
	}
	return m.Snoozes
}
