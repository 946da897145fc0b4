package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

var _ secusers.SyncStore = (*Store)(nil)

// SaveTenantConnection creates or replaces the tenant's connection.
func (s *Store) SaveTenantConnection(ctx context.Context, c secusers.TenantConnection) (secusers.TenantConnection, error) {
	if err := c.Validate(); err != nil {
		return secusers.TenantConnection{}, err
	}
	now := s.stamp()
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := tenantExists(ctx, tx, c.TenantID); err != nil {
			return err
		}
		created := now
		var ms int64
		switch err := tx.QueryRowContext(ctx, `SELECT created_at FROM tenant_connections WHERE tenant_id = ?`, c.TenantID).Scan(&ms); {
		case err == nil:
			created = fromMillis(ms)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		c.CreatedAt, c.UpdatedAt = created, now
		_, err := tx.ExecContext(ctx, `INSERT INTO tenant_connections
			(tenant_id, entra_tenant_id, client_id, credentials, graph_url, login_url, inactive_days, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET entra_tenant_id = excluded.entra_tenant_id,
				client_id = excluded.client_id, credentials = excluded.credentials, graph_url = excluded.graph_url,
				login_url = excluded.login_url, inactive_days = excluded.inactive_days, updated_at = excluded.updated_at`,
			c.TenantID, c.EntraTenantID, c.ClientID, c.Credentials, c.GraphURL, c.LoginURL, c.InactiveDays,
			c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli())
		if err != nil {
			return err
		}
		// The credentials are sealed, but even sealed they stay out of
		// the trail.
		return s.audit(ctx, tx, secusers.AuditTenantConnect, c.TenantID, fmt.Sprintf("Entra tenant %s, app %s, Graph %s",
			c.EntraTenantID, c.ClientID, c.GraphURL))
	})
	if err != nil {
		return secusers.TenantConnection{}, err
	}
	return c, nil
}

const connectionColumns = `tenant_id, entra_tenant_id, client_id, credentials, graph_url, login_url, inactive_days, created_at, updated_at`

// TenantConnection returns the tenant's connection; NotFound when the
// tenant has none.
func (s *Store) TenantConnection(ctx context.Context, tenantID string) (secusers.TenantConnection, error) {
	var c secusers.TenantConnection
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanConnection(tx.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM tenant_connections WHERE tenant_id = ?`, tenantID))
		if errors.Is(err, sql.ErrNoRows) {
			return secusers.Errorf(secusers.NotFound, "tenant %s is not connected to Microsoft Graph", tenantID)
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
		out, err = collect(rows, scanConnection)
		return err
	})
	return out, err
}

func scanConnection(row scanner) (secusers.TenantConnection, error) {
	var c secusers.TenantConnection
	var created, updated int64
	err := row.Scan(&c.TenantID, &c.EntraTenantID, &c.ClientID, &c.Credentials, &c.GraphURL, &c.LoginURL,
		&c.InactiveDays, &created, &updated)
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	return c, err
}

// abandonedRun is the error of a run that was still running when its
// deadline passed, as StartSyncRun records it: its process was killed, or
// lost the database, before it could record its end.
const abandonedRun = "abandoned: the run did not finish before its deadline"

// StartSyncRun records a run as running, started at the store's clock,
// unless another run of the tenant is running and its deadline has not
// passed. It first marks the tenant's running runs past their deadline as
// failed: their processes are gone, and their runs must not hold the tenant
// for good. The check and the insert share one IMMEDIATE transaction, so
// two starters, in this process or another, take turns, and the second
// finds the first's run.
func (s *Store) StartSyncRun(ctx context.Context, run secusers.SyncRun) (secusers.SyncRun, error) {
	if run.ID == "" {
		run.ID = uuid.NewString()
	}
	now := s.stamp()
	run.Result, run.StartedAt, run.FinishedAt = secusers.SyncRunning, now, time.Time{}
	if run.Deadline.IsZero() || !run.Deadline.After(now) {
		return secusers.SyncRun{}, secusers.Errorf(secusers.Invalid, "a sync run needs a deadline after its start")
	}
	run.Deadline = fromMillis(run.Deadline.UnixMilli())
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := tenantExists(ctx, tx, run.TenantID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE sync_runs SET result = ?, finished_at = ?, error = ?
			WHERE tenant_id = ? AND result = ? AND deadline <= ?`,
			string(secusers.SyncFailed), now.UnixMilli(), abandonedRun, run.TenantID, string(secusers.SyncRunning), now.UnixMilli())
		if err != nil {
			return err
		}
		var started int64
		err = tx.QueryRowContext(ctx, `SELECT started_at FROM sync_runs WHERE tenant_id = ? AND result = ?
			ORDER BY started_at DESC LIMIT 1`, run.TenantID, string(secusers.SyncRunning)).Scan(&started)
		switch {
		case err == nil:
			return secusers.Errorf(secusers.Conflict, "a sync of tenant %s is already running (started at %s)",
				run.TenantID, fromMillis(started).Format(time.RFC3339))
		case !errors.Is(err, sql.ErrNoRows):
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
	if run.Result != secusers.SyncSucceeded && run.Result != secusers.SyncFailed {
		return secusers.Errorf(secusers.Invalid, "a finished sync run must have succeeded or failed, not %q", run.Result)
	}
	if run.FinishedAt.IsZero() {
		run.FinishedAt = s.stamp()
	}
	unavailable, err := secusers.EncodeUnavailable(run.Unavailable)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		// The start's time and deadline stay as StartSyncRun stored them.
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET finished_at = ?, result = ?, users = ?, security_users = ?,
				skipped = ?, unavailable = ?, error = ?
			WHERE id = ? AND tenant_id = ?`,
			optionalMillis(run.FinishedAt), string(run.Result), run.Users, run.SecurityUsers, run.Skipped,
			string(unavailable), run.Error, run.ID, run.TenantID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return secusers.Errorf(secusers.NotFound, "sync run %s not found", run.ID)
		}
		return nil
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
		run.ID, run.TenantID, run.StartedAt.UnixMilli(), optionalMillis(run.FinishedAt), string(run.Result),
		optionalMillis(run.Deadline), run.Users, run.SecurityUsers, run.Skipped, string(unavailable), run.Error)
	return translate(err, "sync run "+run.ID)
}

// LatestSyncRun returns the tenant's most recent run.
func (s *Store) LatestSyncRun(ctx context.Context, tenantID string) (secusers.SyncRun, error) {
	var run secusers.SyncRun
	err := s.read(ctx, func(tx *sql.Tx) error {
		var started, finished, deadline int64
		var result, unavailable string
		err := tx.QueryRowContext(ctx, `SELECT id, tenant_id, started_at, finished_at, result, deadline,
				users, security_users, skipped, unavailable, error
			FROM sync_runs WHERE tenant_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, tenantID).
			Scan(&run.ID, &run.TenantID, &started, &finished, &result, &deadline,
				&run.Users, &run.SecurityUsers, &run.Skipped, &unavailable, &run.Error)
		if errors.Is(err, sql.ErrNoRows) {
			return secusers.Errorf(secusers.NotFound, "tenant %s has no sync runs", tenantID)
		} else if err != nil {
			return err
		}
		run.StartedAt, run.FinishedAt, run.Result = fromMillis(started), fromOptionalMillis(finished), secusers.SyncResult(result)
		run.Deadline = fromOptionalMillis(deadline)
		run.Unavailable, err = secusers.DecodeUnavailable([]byte(unavailable))
		return err
	})
	return run, err
}

// SyncUsers replaces the tenant's users as ReplaceUsers does, keeping for
// every user still present what belongs to the partner. Only the users that
// carry partner fields are remembered, so memory follows the test users, not
// the tenant's size.
func (s *Store) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	r, err := s.replaceUsers(ctx, tenantID, users, syncUsers)
	return r.After, err
}

// partnerFields reads the partner's fields of the tenant's users that have
// any; a user missing from the map has none.
func partnerFields(ctx context.Context, tx *sql.Tx, tenantID string) (map[string]secusers.User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, status, start_date, end_date FROM users
		WHERE tenant_id = ? AND ((status & 256) <> 0 OR start_date <> 0 OR end_date <> 0)`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]secusers.User{}
	for rows.Next() {
		var u secusers.User
		if err := rows.Scan(&u.ID, &u.Status, &u.StartDate, &u.EndDate); err != nil {
			return nil, err
		}
		u.IsTestUser = u.Status.Has(secusers.TestUser)
		out[u.ID] = u
	}
	return out, rows.Err()
}
