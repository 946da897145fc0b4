package sqlite

import (
	"context"
	"database/sql"

	"github.com/gofrs/flock"

	"github.com/secusers/secusers/internal/secusers"
)

// LockTenantSync takes the tenant's sync lock: an exclusive flock on a file
// beside the database, PATH.sync-TENANT.lock, one per tenant. An SQLite
// database lives on one machine, so a file lock reaches every process that
// can open it, and the kernel releases it when its process dies, however it
// dies. Each call opens the file anew, and flock treats separate opens as
// separate holders, so two runs in one process exclude each other too. The
// files stay after release: removing a lock file while another process may
// be opening it would let two holders lock two different files.
//
// A file lock cannot be lost while its process lives, so the held context
// ends only with ctx or the release.
func (s *Store) LockTenantSync(ctx context.Context, tenantID string) (context.Context, func(), error) {
	if err := secusers.ValidateSyncLock(tenantID); err != nil {
		return nil, nil, err
	}
	if err := s.read(ctx, func(tx *sql.Tx) error { return tenantExists(ctx, tx, tenantID) }); err != nil {
		return nil, nil, err
	}
	lock := flock.New(SyncLockPath(s.path, tenantID))
	ok, err := lock.TryLock()
	if err != nil {
		return nil, nil, secusers.Wrap(secusers.Unavailable, err, "the sync lock file beside the database cannot be locked")
	}
	if !ok {
		return nil, nil, secusers.SyncLockHeld(tenantID)
	}
	held, cancel := context.WithCancel(ctx)
	return held, func() {
		cancel()
		_ = lock.Unlock()
	}, nil
}

// AbandonSyncRuns marks the tenant's running runs failed with reason
// (secusers.AbandonReason), for the holder of the tenant's sync lock.
func (s *Store) AbandonSyncRuns(ctx context.Context, tenantID, reason string) (int, error) {
	now := s.stamp().UnixMilli()
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET result = ?, finished_at = ?, error = ?
			WHERE tenant_id = ? AND result = ?`,
			string(secusers.SyncFailed), now, secusers.AbandonReason(reason), tenantID, string(secusers.SyncRunning))
		n, err = affected(res, err)
		return err
	})
	return int(n), err
}
