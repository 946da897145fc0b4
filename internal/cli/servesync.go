package cli

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
	"github.com/secusers/secusers/internal/tenantsync/schedule"
)

// scheduleStopTimeout bounds how long serve waits, after the server has
// drained, for the syncs running in it to finish; those still running then
// are cancelled (recorded as failed, changing nothing) and River queues
// them again for any server. Together with the server's drain it stays
// under the 30 seconds after which orchestrators send SIGKILL.
const scheduleStopTimeout = 10 * time.Second

// serveSyncer returns the Syncer of the scheduled syncs and of the demo, or
// nil when the store cannot sync (it does not implement SyncStore). box is
// nil when no master key is configured: then nothing can be connected or
// synced, except the demo's tenant (see demoBox).
func (e *env) serveSyncer(st secusers.Store, box *credentials.Box, logger *slog.Logger, reg prometheus.Registerer) *tenantsync.Syncer {
	ss, ok := st.(secusers.SyncStore)
	if !ok {
		logger.Warn("this database does not support syncing from Microsoft Graph yet; tenants are not synced")
		return nil
	}
	return &tenantsync.Syncer{Store: ss, Box: box, Now: e.now, Logger: logger, Metrics: tenantsync.NewMetrics(reg)}
}

// loadServeKey loads the master key for serve. Without one (PostgreSQL and
// no SECUSERS_MASTER_KEY) the server still serves the API; it only cannot
// sync, and stores its signing keys in the clear, which it says.
func (e *env) loadServeKey(logger *slog.Logger) *credentials.Box {
	box, err := credentials.LoadKey(e.getenv, e.db)
	if err != nil {
		logger.Warn("no master key, so no tenant can be synced from Microsoft Graph and signing keys are stored unencrypted",
			"reason", errorLine(err))
		return nil
	}
	return box
}

// startSchedule starts the periodic sync of every connected tenant
// (internal/tenantsync/schedule, River jobs in the store's database), or returns a
// stop that does nothing when the schedule is off: --sync-interval 0, a
// store that cannot sync, or no master key.
func (e *env) startSchedule(ctx context.Context, interval time.Duration, syncer *tenantsync.Syncer, logger *slog.Logger) (stop func(), err error) {
	nothing := func() {}
	switch {
	case interval == 0:
		logger.Info("scheduled syncs are off (--sync-interval 0)")
		return nothing, nil
	case syncer == nil || syncer.Box == nil:
		return nothing, nil
	}
	sched, err := schedule.Start(ctx, schedule.Config{
		DSN:      e.db,
		Interval: interval,
		RunSync: func(ctx context.Context, tenantID string) error {
			_, err := syncer.Run(ctx, tenantID)
			return err
		},
		Tenants:   func(ctx context.Context) ([]string, error) { return connectedTenants(ctx, syncer.Store) },
		LatestRun: syncer.Store.LatestSyncRun,
		Logger:    logger,
		Now:       e.now,
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
func connectedTenants(ctx context.Context, st secusers.SyncStore) ([]string, error) {
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

// demoBox is the key the demo seals its fake tenant's credential with: the
// master key when there is one, else a key that lives as long as this
// process. The demo's credential is the fake's published demo secret, so
// nothing is at stake, and a demo on PostgreSQL then needs no key; another
// process cannot open it, but every start with --demo connects again.
func demoBox(box *credentials.Box, logger *slog.Logger) (*credentials.Box, error) {
	if box != nil {
		return box, nil
	}
	logger.Info("the demo tenant's connection is sealed with a key of this process only")
	key := make([]byte, credentials.KeySize)
	rand.Read(key)
	defer clear(key)
	return credentials.NewBox(key)
}
