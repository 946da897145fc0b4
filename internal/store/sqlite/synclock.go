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
	if _, ok := secusers.ParseGUID(tenantID); !ok {
		return nil, nil, secusers.Errorf(secusers.Invalid, "a tenant id must be a GUID, got %q", tenantID)
	}
	if err := s.read(ctx, func(tx *sql.Tx) error { return tenantExists(ctx, tx, tenantID) }); err != nil {
		return nil, nil, err
	}
	lock := flock.New(s.path + ".sync-" + tenantID + ".lock")
	ok, err := lock.TryLock()
	if err != nil {
		return nil, nil, secusers.Wrap(secusers.Unavailable, err, "the sync lock file beside the database cannot be locked")
	}
	if !ok {
		return nil, nil, secusers.Errorf(secusers.Conflict, "a sync of tenant %s is already running in another process", tenantID)
	}
	held, cancel := context.WithCancel(ctx)
	return held, func() {
		cancel()
		_ = lock.Unlock()
	}, nil
}

// abandonedByLock is the error of a running run found by the holder of the
// tenant's sync lock: the process that ran it is gone.
const abandonedByLock = "abandoned: the process running it stopped before it finished"

// AbandonSyncRuns marks the tenant's running runs failed with reason, for
// the holder of the tenant's sync lock.
func (s *Store) AbandonSyncRuns(ctx context.Context, tenantID, reason string) (int, error) {
	if reason == "" {
		reason = abandonedByLock
	}
	now := s.stamp()
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET result = ?, finished_at = ?, error = ?
			WHERE tenant_id = ? AND result = ?`,
			string(secusers.SyncFailed), now.UnixMilli(), reason, tenantID, string(secusers.SyncRunning))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
