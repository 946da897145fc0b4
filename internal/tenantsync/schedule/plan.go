package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/secusers/secusers/internal/secusers"
)

// listPage is how many finished jobs one query of recentlySynced reads.
const listPage = 1000

// insertBatch is how many sync jobs one transaction of the plan queues: on
// SQLite each batch holds the database's single write lock, which the
// store's writes wait for meanwhile.
const insertBatch = 500

// planWorker runs the periodic plan job. Its client is set once the River
// client exists, which needs the worker first.
type planWorker struct {
	river.WorkerDefaults[planArgs]
	cfg    Config
	client riverClient
	// prunedDay is the last UTC day (secusers.DayNumber) this process
	// pruned the history; only the plan's goroutine touches it.
	prunedDay int64
}

// Timeout bounds a planning run.
func (w *planWorker) Timeout(*river.Job[planArgs]) time.Duration { return planTimeout }

// Work queues a sync for every connected tenant whose last sync finished
// more than Interval ago, or never did. Which tenants those are comes from
// the database, not from memory, so it holds across restarts and leader
// changes: River's finished jobs (which also keep a tenant whose syncs
// failed for good from being retried at every plan), and the store's run
// records (LatestRun), which know of the runs of every runner. A tenant
// with a sync already queued, running or retrying is skipped by the unique
// insert.
func (w *planWorker) Work(ctx context.Context, _ *river.Job[planArgs]) error {
	tenants, err := w.cfg.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("list the connected tenants: %w", err)
	}
	now := w.cfg.Now()
	since := now.Add(-w.cfg.Interval)
	recent, err := recentlySynced(ctx, w.client, since, listPage)
	if err != nil {
		return err
	}
	var due []river.InsertManyParams
	for _, id := range tenants {
		if _, ok := recent[id]; ok {
			continue
		}
		// Only the tenants River thinks due are looked up: once the
		// schedule runs, that is the few due in this planning period.
		if w.ranRecently(ctx, id, since) {
			continue
		}
		due = append(due, river.InsertManyParams{Args: syncArgs{TenantID: id}})
	}
	queued := 0
	for start := 0; start < len(due); start += insertBatch {
		results, err := w.client.InsertMany(ctx, due[start:min(start+insertBatch, len(due))])
		if err != nil {
			return fmt.Errorf("queue the due syncs: %w", err)
		}
		for _, r := range results {
			if !r.UniqueSkippedAsDuplicate {
				queued++
			}
		}
	}
	w.cfg.Logger.DebugContext(ctx, "schedule: planned the tenants' syncs",
		slog.Int("tenants", len(tenants)), slog.Int("due", len(due)), slog.Int("queued", queued))
	w.pruneHistory(ctx, now)
	return nil
}

// pruneHistory deletes the history older than HistoryDays, the first time
// the plan runs on a UTC day: the history is kept in days, so once a day
// is enough, and a prune that finds nothing still reads the tables. A
// failure is logged and tried again at the next plan; it never fails the
// plan.
func (w *planWorker) pruneHistory(ctx context.Context, now time.Time) {
	if w.cfg.PruneHistory == nil || w.prunedDay == secusers.DayNumber(now) {
		return
	}
	before := secusers.DayOf(now).AddDate(0, 0, -w.cfg.HistoryDays)
	n, err := w.cfg.PruneHistory(ctx, before)
	if err != nil {
		w.cfg.Logger.WarnContext(ctx, "schedule: pruning the history failed; it is tried again at the next plan", slog.Any("error", err))
		return
	}
	w.prunedDay = secusers.DayNumber(now)
	w.cfg.Logger.InfoContext(ctx, "schedule: pruned the history", slog.Time("before", before), slog.Int("rows", n))
}

// ranRecently tells whether the store records a run of the tenant that
// makes a sync now needless: one that succeeded after since. A run that
// failed does not count: River's jobs pace the schedule's own retries, and
// a failed run of another runner (the sync command) is no reason to wait.
// Nor does a run recorded as running: it may be a dead process's, which
// only its sync lock can tell, so the job is queued and finds out (a live
// run's lock puts it off; a dead one's record is marked abandoned). When
// the store cannot answer, the tenant is queued: a sync too many costs
// less than a tenant left out.
func (w *planWorker) ranRecently(ctx context.Context, tenantID string, since time.Time) bool {
	if w.cfg.LatestRun == nil {
		return false
	}
	run, err := w.cfg.LatestRun(ctx, tenantID)
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		return false
	case err != nil:
		w.cfg.Logger.WarnContext(ctx, "schedule: reading a tenant's latest sync run; queueing it",
			slog.String("tenant", tenantID), slog.Any("err", err))
		return false
	}
	return run.Result == secusers.SyncSucceeded && run.FinishedAt.After(since)
}

// recentlySynced returns the tenants whose sync job finished (completed,
// failed for good, or cancelled) after since. A failed tenant counts as
// synced until it is due again, so that a broken connection is retried once
// an Interval rather than at every plan. River keeps finished jobs for
// longer than Interval (see riverConfig). It reads pageSize jobs a query.
func recentlySynced(ctx context.Context, client riverClient, since time.Time, pageSize int) (map[string]struct{}, error) {
	params := river.NewJobListParams().
		Kinds(syncKind).
		States(finishedStates...).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).
		First(pageSize)
	tenants := make(map[string]struct{})
	for {
		page, err := client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list the finished syncs: %w", err)
		}
		for _, job := range page.Jobs {
			if job.FinalizedAt == nil || job.FinalizedAt.Before(since) {
				return tenants, nil
			}
			var args syncArgs
			if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
				return nil, fmt.Errorf("read sync job %d: %w", job.ID, err)
			}
			tenants[args.TenantID] = struct{}{}
		}
		if len(page.Jobs) < pageSize {
			return tenants, nil
		}
		params = params.After(page.LastCursor)
	}
}
