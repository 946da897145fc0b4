package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

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
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := tenantExists(ctx, tx, c.TenantID); err != nil {
			return err
		}
		var created int64
		err := tx.QueryRowContext(ctx, `INSERT INTO tenant_connections (`+connectionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
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
		return s.audit(ctx, tx, secusers.AuditTenantConnect, c.TenantID, secusers.TenantConnectDetail(c))
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
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = secusers.ScanTenantConnection(tx.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM tenant_connections WHERE tenant_id = ?`, tenantID))
		if errors.Is(err, sql.ErrNoRows) {
			return secusers.NotConnected(tenantID)
		}
		return err
	})
	return c, err
}

// TenantConnections lists every connected tenant's connection.
func (s *Store) TenantConnections(ctx context.Context) ([]secusers.TenantConnection, error) {
	var out []secusers.TenantConnection
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+connectionColumns+` FROM tenant_connections ORDER BY tenant_id`)
		if err != nil {
			return err
		}
		out, err = collect(rows, secusers.ScanTenantConnection)
		return err
	})
	return out, err
}

// StartSyncRun records a run as running, started at the store's clock,
// unless another run of the tenant is running and its deadline has not
// passed. It first marks the tenant's running runs past their deadline as
// failed (secusers.AbandonedPastDeadline): their processes are gone, and
// their runs must not hold the tenant for good. The check and the insert
// share one IMMEDIATE transaction, so two starters, in this process or
// another, take turns, and the second finds the first's run.
func (s *Store) StartSyncRun(ctx context.Context, run secusers.SyncRun) (secusers.SyncRun, error) {
	run, err := run.Started(s.stamp(), uuid.NewString)
	if err != nil {
		return secusers.SyncRun{}, err
	}
	now := run.StartedAt.UnixMilli()
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := tenantExists(ctx, tx, run.TenantID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE sync_runs SET result = ?, finished_at = ?, error = ?
			WHERE tenant_id = ? AND result = ? AND deadline <= ?`,
			string(secusers.SyncFailed), now, secusers.AbandonedPastDeadline, run.TenantID, string(secusers.SyncRunning), now)
		if err != nil {
			return err
		}
		var running time.Time
		err = tx.QueryRowContext(ctx, `SELECT started_at FROM sync_runs WHERE tenant_id = ? AND result = ?
			ORDER BY started_at DESC LIMIT 1`, run.TenantID, string(secusers.SyncRunning)).Scan(secusers.ScanMillis(&running))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := secusers.StartConflict(run.TenantID, running); err != nil {
			return err
		}
		return insertRun(ctx, tx, run)
	})
	if err != nil {
		return secusers.SyncRun{}, err
	}
	return run, nil
}

// FinishSyncRun records the run's end.
func (s *Store) FinishSyncRun(ctx context.Context, run secusers.SyncRun) error {
	run, err := run.Finished(s.stamp())
	if err != nil {
		return err
	}
	unavailable, err := secusers.EncodeUnavailable(run.Unavailable)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		// The start's time and deadline stay as StartSyncRun stored them.
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET finished_at = ?, result = ?, users = ?, security_users = ?,
				skipped = ?, unavailable = ?, error = ?
			WHERE id = ? AND tenant_id = ? AND result = ?`,
			secusers.OptionalMillis(run.FinishedAt), string(run.Result), run.Users, run.SecurityUsers, run.Skipped,
			string(unavailable), run.Error, run.ID, run.TenantID, string(secusers.SyncRunning))
		if n, err := affected(res, err); err != nil || n > 0 {
			return err
		}
		var ended secusers.SyncResult
		err = tx.QueryRowContext(ctx, `SELECT result FROM sync_runs WHERE id = ? AND tenant_id = ?`, run.ID, run.TenantID).Scan(&ended)
		if errors.Is(err, sql.ErrNoRows) {
			return secusers.Missing("sync run", run.ID)
		}
		if err != nil {
			return err
		}
		return secusers.SyncRunEnded(run.ID, ended)
	})
}

// insertRun records a started run. A run id used before is a Conflict,
// never an overwrite: the id may be another tenant's run.
func insertRun(ctx context.Context, tx *sql.Tx, run secusers.SyncRun) error {
	unavailable, err := secusers.EncodeUnavailable(run.Unavailable)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sync_runs
			(id, tenant_id, started_at, finished_at, result, deadline, users, security_users, skipped, unavailable, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.ID, run.TenantID, run.StartedAt.UnixMilli(), secusers.OptionalMillis(run.FinishedAt), string(run.Result),
		secusers.OptionalMillis(run.Deadline), run.Users, run.SecurityUsers, run.Skipped, string(unavailable), run.Error)
	return translate(err, "sync run "+run.ID)
}

// LatestSyncRun returns the tenant's most recent run.
func (s *Store) LatestSyncRun(ctx context.Context, tenantID string) (secusers.SyncRun, error) {
	var run secusers.SyncRun
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		run, err = secusers.ScanSyncRun(tx.QueryRowContext(ctx, `SELECT `+secusers.SyncRunColumns+`
			FROM sync_runs WHERE tenant_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, tenantID))
		if errors.Is(err, sql.ErrNoRows) {
			return secusers.NoSyncRuns(tenantID)
		}
		return err
	})
	return run, err
}
