// Package schedule runs the sync of every connected tenant on a schedule, as
// durable jobs in the service's own database with River (riverqueue): its
// PostgreSQL driver for a postgres:// DSN, its SQLite driver for the
// embedded default. Jobs outlive the process that queued them, so a sync
// queued before a restart still runs, and one interrupted by a crash runs
// again.
//
// One job per tenant: a tenant's sync job is unique by tenant id while it is
// queued, running or waiting for a retry, so however many servers share the
// database, and however often Enqueue is called, a tenant is never synced
// by two workers at once. A periodic plan job (run by River's elected
// leader) queues a sync for every connected tenant whose last sync finished
// more than Interval ago; because it reads that from the database (River's
// finished jobs, and the store's run records through Config.LatestRun, which
// also know the runs of the sync command) rather than from memory, a new
// leader after a restart or a failover neither forgets a tenant nor syncs
// all of them again.
//
// The store has the last word: it refuses to start a run of a tenant that
// another run holds (secusers.Store.StartSyncRun), whoever started
// either. A job whose run is refused so is put off (JobSnooze), not failed,
// and completes without syncing once the other run has succeeded.
//
// The server calls Start once, Enqueue for "sync now", and Stop on shutdown:
//
//	sched, err := schedule.Start(ctx, schedule.Config{
//		Database:  loc, // store.Parse of the store's --db value
//		Interval:  syncInterval,
//		RunSync:   func(ctx context.Context, tenantID string) error { … },
//		Tenants:   func(ctx context.Context) ([]string, error) { … },
//		LatestRun: st.LatestSyncRun,
//		Logger:    logger,
//	})
//	…
//	defer sched.Stop(shutdownCtx) // drains running syncs until shutdownCtx ends
package schedule
