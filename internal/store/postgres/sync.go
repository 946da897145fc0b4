package postgres

import (
	"context"
	"errors"
	"hash/fnv"
	"iter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

const connectionColumns = `tenant_id, entra_tenant_id, client_id, credentials, graph_url, login_url, inactive_days, created_at, updated_at`

// SaveTenantConnection creates or replaces the tenant's connection. A
// replaced connection keeps the time it was created, which the upsert
// leaves as it was and returns.
func (s *Store) SaveTenantConnection(ctx context.Context, c secusers.TenantConnection) (secusers.TenantConnection, error) {
	c, err := c.Prepared(s.now())
	if err != nil {
		return secusers.TenantConnection{}, err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := tenantExists(ctx, tx, c.TenantID); err != nil {
			return err
		}
		var created int64
		err := tx.QueryRow(ctx, `INSERT INTO tenant_connections (`+connectionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (tenant_id) DO UPDATE SET entra_tenant_id = excluded.entra_tenant_id,
				client_id = excluded.client_id, credentials = excluded.credentials, graph_url = excluded.graph_url,
				login_url = excluded.login_url, inactive_days = excluded.inactive_days, updated_at = excluded.updated_at
			RETURNING created_at`,
			c.TenantID, c.EntraTenantID, c.ClientID, c.Credentials, c.GraphURL, c.LoginURL, c.InactiveDays,
			c.UpdatedAt.UnixMilli(), c.UpdatedAt.UnixMilli()).Scan(&created)
		if err != nil {
			return err
		}
		c.CreatedAt = secusers.FromMillis(created)
		return audit(ctx, tx, c.UpdatedAt, secusers.AuditTenantConnect, c.TenantID, secusers.TenantConnectDetail(c))
	})
	if err != nil {
		return secusers.TenantConnection{}, err
	}
	return c, nil
}

// TenantConnection returns the tenant's connection; NotFound when the
// tenant has none.
func (s *Store) TenantConnection(ctx context.Context, tenantID string) (secusers.TenantConnection, error) {
	var c secusers.TenantConnection
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = scanConnection(tx.QueryRow(ctx, `SELECT `+connectionColumns+` FROM tenant_connections WHERE tenant_id = $1`, tenantID))
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.NotConnected(tenantID)
		}
		return err
	})
	return c, err
}

// TenantConnections lists every connected tenant's connection.
func (s *Store) TenantConnections(ctx context.Context) ([]secusers.TenantConnection, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+connectionColumns+` FROM tenant_connections ORDER BY tenant_id`)
	if err != nil {
		return nil, translate(err, "")
	}
	out, err := collect(rows, scanConnection)
	return out, translate(err, "")
}

func scanConnection(row pgx.Row) (secusers.TenantConnection, error) {
	return secusers.ScanTenantConnection(row)
}

// StartSyncRun records a run as running, unless the tenant has a running run
// whose deadline has not passed. StartedAt is the store's clock, as for
// every time the store stamps; the deadline is kept to the millisecond.
//
// Starters of one tenant, on any server, queue on a transaction-scoped
// advisory lock, so that the check for a running run and the insert of the
// new one are one step: of two starters, the second sees the first's run.
// An advisory lock rather than the tenant's row lock, which a replacement of
// the tenant's users takes (briefly, to begin and to make its generation
// current) and which other writers of the tenant take too: a starter waits
// for no one but another starter.
func (s *Store) StartSyncRun(ctx context.Context, run secusers.SyncRun) (secusers.SyncRun, error) {
	run, err := run.Started(s.stamp(), uuid.NewString)
	if err != nil {
		return secusers.SyncRun{}, err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := tenantExists(ctx, tx, run.TenantID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, syncLockID(run.TenantID)); err != nil {
			return err
		}
		if err := checkNotRunning(ctx, tx, run.TenantID, run.StartedAt); err != nil {
			return err
		}
		return insertRun(ctx, tx, run)
	})
	if err != nil {
		return secusers.SyncRun{}, err
	}
	return run, nil
}

// checkNotRunning marks the tenant's running runs whose deadline has passed
// by now, the new run's start, as failed (secusers.AbandonedPastDeadline),
// then returns Conflict if a running run is left. Runs recorded
// before deadlines were (deadline 0) count as past theirs. It runs under the
// tenant's start lock, and after taking it: in READ COMMITTED each statement
// sees every run committed before it, the previous starter's included.
func checkNotRunning(ctx context.Context, tx pgx.Tx, tenantID string, at time.Time) error {
	now := at.UnixMilli()
	_, err := tx.Exec(ctx, `UPDATE sync_runs SET result = $2, finished_at = $3, error = $4
		WHERE tenant_id = $1 AND result = $5 AND deadline <= $3`,
		tenantID, string(secusers.SyncFailed), now, secusers.AbandonedPastDeadline, string(secusers.SyncRunning))
	if err != nil {
		return err
	}
	var running time.Time
	err = tx.QueryRow(ctx, `SELECT started_at FROM sync_runs WHERE tenant_id = $1 AND result = $2
		ORDER BY started_at DESC LIMIT 1`, tenantID, string(secusers.SyncRunning)).Scan(secusers.ScanMillis(&running))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	return secusers.StartConflict(tenantID, running)
}

// syncLockID returns the advisory lock of the tenant's sync starts. Advisory
// locks are per database, not per schema; two tenants (or two deployments'
// tenants) whose ids hash alike merely start their runs one after the other.
func syncLockID(tenantID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("secusers sync start\x00" + tenantID))
	return int64(h.Sum64())
}

// FinishSyncRun records the run's end: its result, counts and error. The
// start's time and deadline stay as StartSyncRun stored them, so the
// caller's copy of the run need not carry them.
func (s *Store) FinishSyncRun(ctx context.Context, run secusers.SyncRun) error {
	run, err := run.Finished(s.stamp())
	if err != nil {
		return err
	}
	unavailable, err := secusers.EncodeUnavailable(run.Unavailable)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sync_runs SET finished_at = $3, result = $4, users = $5, security_users = $6,
				skipped = $7, unavailable = $8, error = $9
			WHERE id = $1 AND tenant_id = $2 AND result = $10`,
			run.ID, run.TenantID, secusers.OptionalMillis(run.FinishedAt), string(run.Result), run.Users, run.SecurityUsers,
			run.Skipped, unavailable, run.Error, string(secusers.SyncRunning))
		if err != nil || tag.RowsAffected() > 0 {
			return err
		}
		var ended secusers.SyncResult
		err = tx.QueryRow(ctx, `SELECT result FROM sync_runs WHERE id = $1 AND tenant_id = $2`, run.ID, run.TenantID).Scan(&ended)
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.Missing("sync run", run.ID)
		}
		if err != nil {
			return err
		}
		return secusers.SyncRunEnded(run.ID, ended)
	})
}

// insertRun stores a new running run. A run id used before is a Conflict,
// never an overwrite of that run's record.
func insertRun(ctx context.Context, tx pgx.Tx, run secusers.SyncRun) error {
	unavailable, err := secusers.EncodeUnavailable(run.Unavailable)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO sync_runs (id, tenant_id, started_at, finished_at, result, users, security_users,
			unavailable, error, deadline, skipped)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		run.ID, run.TenantID, run.StartedAt.UnixMilli(), secusers.OptionalMillis(run.FinishedAt), string(run.Result),
		run.Users, run.SecurityUsers, unavailable, run.Error, secusers.OptionalMillis(run.Deadline), run.Skipped)
	return translate(err, "sync run "+run.ID)
}

// LatestSyncRun returns the tenant's most recent run.
func (s *Store) LatestSyncRun(ctx context.Context, tenantID string) (secusers.SyncRun, error) {
	var run secusers.SyncRun
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		run, err = secusers.ScanSyncRun(tx.QueryRow(ctx, `SELECT `+secusers.SyncRunColumns+`
			FROM sync_runs WHERE tenant_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1`, tenantID))
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.NoSyncRuns(tenantID)
		}
		return err
	})
	return run, err
}

// SyncUsers replaces the tenant's users as ReplaceUsers does, keeping for
// every user still present what belongs to the partner. Only the users that
// carry partner fields are remembered, so memory follows the test users, not
// the tenant's size.
func (s *Store) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	r, err := s.replaceUsers(ctx, tenantID, users, secusers.Syncing)
	return r.After, err
}

// partnerFields returns the users of the tenant's generation that carry
// the partner's fields (the TestUser bit, a startDate or an endDate), with
// those fields, for secusers.KeepingPartnerFields.
func partnerFields(ctx context.Context, tx pgx.Tx, tenantID string, generation int64) ([]secusers.User, error) {
	rows, err := tx.Query(ctx, `SELECT id, status, start_date, end_date FROM users
		WHERE tenant_id = $1 AND generation = $2 AND ((status & $3) <> 0 OR start_date <> 0 OR end_date <> 0)`,
		tenantID, generation, int32(secusers.TestUserBit))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row pgx.Row) (secusers.User, error) {
		var u secusers.User
		return u, row.Scan(&u.ID, &u.Status, &u.StartDate, &u.EndDate)
	})
}
