package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
	"github.com/secusers/secusers/internal/tenantsync"
	"github.com/secusers/secusers/internal/tenantsync/schedule"
)

// scheduleStopTimeout bounds how long serve waits, after the server has
// drained, for the syncs running in it to finish; those still running then
// are cancelled (recorded as failed, changing nothing) and River queues
// them again for any server. Together with the server's drain it stays
// under the 30 seconds after which orchestrators send SIGKILL.
const scheduleStopTimeout = 10 * time.Second

// serveSyncer returns the Syncer of the scheduled syncs and of the demo.
// box is nil when no master key is configured: then nothing can be
// connected or synced, except the demo's tenant (see demoBox).
func (e *env) serveSyncer(st secusers.Store, box *credentials.Box, logger *slog.Logger, reg prometheus.Registerer) *tenantsync.Syncer {
	return &tenantsync.Syncer{Store: st, Box: box, Now: e.now, Logger: logger, Metrics: tenantsync.NewMetrics(reg)}
}

// loadServeKey loads the master key for serve. Without one (PostgreSQL and
// no SECUSERS_MASTER_KEY) the server still serves the API; it only cannot
// sync, and stores its signing keys in the clear, which it says.
func (e *env) loadServeKey(loc store.Location, logger *slog.Logger) *credentials.Box {
	box, err := credentials.LoadKey(e.getenv, loc.KeyFile())
	if err != nil {
		logger.Warn("no master key, so no tenant can be synced from Microsoft Graph and signing keys are stored unencrypted",
			"reason", errorLine(err))
		return nil
	}
	return box
}

// startSchedule starts the periodic sync of every connected tenant
// (internal/tenantsync/schedule, River jobs in the store's database at
// loc), or returns a stop that does nothing when the schedule is off:
// --sync-interval 0, or no master key.
func (e *env) startSchedule(ctx context.Context, loc store.Location, interval time.Duration, historyDays int, syncer *tenantsync.Syncer, logger *slog.Logger) (stop func(), err error) {
	nothing := func() {}
	switch {
	case interval == 0:
		logger.Info("scheduled syncs are off (--sync-interval 0)")
		return nothing, nil
	case syncer.Box == nil:
		return nothing, nil
	}
	sched, err := schedule.Start(ctx, schedule.Config{
		Database: loc,
		Interval: interval,
		RunSync: func(ctx context.Context, tenantID string) error {
			_, err := syncer.Run(ctx, tenantID)
			return err
		},
		Tenants:      func(ctx context.Context) ([]string, error) { return connectedTenants(ctx, syncer.Store) },
		LatestRun:    syncer.Store.LatestSyncRun,
		PruneHistory: syncer.Store.PruneHistory,
		HistoryDays:  historyDays,
		Logger:       logger,
		Now:          e.now,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("syncing every connected tenant from Microsoft Graph", "interval", interval.String())
	return func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), scheduleStopTimeout)
		defer cancel()
		if err := sched.Stop(stopCtx); err != nil {
			logger.Warn("stopping the scheduled syncs", "err", err)
		}
	}, nil
}

// connectedTenants lists the ids of the tenants connected to Graph.
func connectedTenants(ctx context.Context, st secusers.Store) ([]string, error) {
	conns, err := st.TenantConnections(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(conns))
	for i, c := range conns {
		ids[i] = c.TenantID
	}
	return ids, nil
}
