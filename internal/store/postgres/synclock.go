package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// closeTimeout bounds closing a sync lock's session; the server ends the
// session, and releases its locks, when the connection goes either way.
const closeTimeout = 5 * time.Second

// defaultLockPing is how often a held sync lock's session is checked. The
// session is otherwise idle for the whole run, and idle connections are
// what NAT gateways and load balancers drop; the check keeps it in use,
// and finds a lost session within one interval.
const defaultLockPing = 15 * time.Second

// errLockLost is the cause of a held context that ended because the sync
// lock's session broke: another run may hold the lock by now.
var errLockLost = errors.New("the tenant's sync lock was lost with its database session")

// LockTenantSync takes the tenant's sync lock: a session-level advisory lock
// held by a session of its own, opened for the purpose and closed on
// release, for as long as the run lasts. PostgreSQL releases the lock when
// the session ends, so a killed process frees its tenants at once. The
// session is not the pool's: runs hold their locks for minutes, and a pool
// whose connections all held locks would have none left for the runs'
// own statements. The session is checked every lockPing; when a check
// fails, the lock may be gone, and the held context ends with errLockLost
// so that the run stops (its write rolls back) rather than run beside the
// lock's next holder.
func (s *Store) LockTenantSync(ctx context.Context, tenantID string) (context.Context, func(), error) {
	if err := secusers.ValidateSyncLock(tenantID); err != nil {
		return nil, nil, err
	}
	if err := s.read(ctx, func(tx pgx.Tx) error {
		return tenantExists(ctx, tx, tenantID)
	}); err != nil {
		return nil, nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, nil, translate(err, "")
	}
	closeConn := func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = conn.Close(ctx)
	}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, syncRunLockID(tenantID)).Scan(&locked); err != nil {
		closeConn()
		return nil, nil, translate(err, "")
	}
	if !locked {
		closeConn()
		return nil, nil, secusers.SyncLockHeld(tenantID)
	}
	held, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go s.keepLock(held, cancel, conn, done)
	var once sync.Once
	return held, func() {
		once.Do(func() {
			cancel(context.Canceled)
			<-done // the checks use the connection; close it after them
			closeConn()
		})
	}, nil
}

// keepLock checks the lock's session every lockPing until held ends, and
// ends held with errLockLost when a check fails.
func (s *Store) keepLock(held context.Context, cancel context.CancelCauseFunc, conn *pgx.Conn, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(s.lockPing)
	defer ticker.Stop()
	for {
		select {
		case <-held.Done():
			return
		case <-ticker.C:
		}
		ctx, stop := context.WithTimeout(held, s.lockPing)
		err := conn.Ping(ctx)
		stop()
		if err != nil && held.Err() == nil {
			cancel(fmt.Errorf("%w: %v", errLockLost, err))
			return
		}
	}
}

// syncRunLockID returns the advisory lock key of the tenant's running sync,
// distinct from syncLockID's (the starts'), which a holder of this one
// takes too.
func syncRunLockID(tenantID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("secusers sync run\x00" + tenantID))
	return int64(h.Sum64())
}

// AbandonSyncRuns marks the tenant's running runs failed with reason
// (secusers.AbandonReason), for the holder of the tenant's sync lock.
func (s *Store) AbandonSyncRuns(ctx context.Context, tenantID, reason string) (int, error) {
	now := s.stamp().UnixMilli()
	var n int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sync_runs SET result = $2, finished_at = $3, error = $4
			WHERE tenant_id = $1 AND result = $5`,
			tenantID, string(secusers.SyncFailed), now, secusers.AbandonReason(reason), string(secusers.SyncRunning))
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
