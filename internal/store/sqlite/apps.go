package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/secusers/secusers/internal/secusers"
)

const appColumns = `client_id, partner_id, name, permissions, scope_kind, scope_ids, disabled, created_at`

// CreateApp stores a new app registration. The customers or groups its scope
// names must be the app's partner's; otherwise the error names the first
// that is not, and nothing is written.
func (s *Store) CreateApp(ctx context.Context, a secusers.App) (secusers.App, error) {
	a, err := a.Prepared(s.now())
	if err != nil {
		return secusers.App{}, err
	}
	permissions, err := json.Marshal(a.Permissions)
	if err != nil {
		return secusers.App{}, err
	}
	scopeIDs, err := json.Marshal(a.Scope.StoredIDs())
	if err != nil {
		return secusers.App{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := partnerExists(ctx, tx, a.PartnerID); err != nil {
			return err
		}
		if err := checkScope(ctx, tx, a.PartnerID, a.Scope); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO apps (`+appColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ClientID, a.PartnerID, a.Name, string(permissions), string(a.Scope.Kind), string(scopeIDs),
			a.Disabled, a.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "app "+a.ClientID)
		}
		return s.audit(ctx, tx, secusers.AuditAppCreate, a.ClientID, secusers.AppCreateDetail(a))
	})
	if err != nil {
		return secusers.App{}, err
	}
	return a, nil
}

// checkScope returns NotFound, naming the first id that is not, unless the
// partner owns every customer or group the scope names.
func checkScope(ctx context.Context, tx *sql.Tx, partnerID string, scope secusers.CustomerScope) error {
	if err := customersOfPartner(ctx, tx, partnerID, scope.CustomerIDs()); err != nil {
		return err
	}
	return groupsOfPartner(ctx, tx, partnerID, scope.GroupIDs())
}

// SetAppScope replaces the app's customer scope. The customers or groups it
// names must be the app's partner's; otherwise the error names the first
// that is not, exactly as for a missing one, and nothing is written. The
// check and the update share one transaction, so a scope can never name an
// id that the check did not see.
func (s *Store) SetAppScope(ctx context.Context, clientID string, scope secusers.CustomerScope) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	scopeIDs, err := json.Marshal(scope.StoredIDs())
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var partnerID string
		err := tx.QueryRowContext(ctx, `SELECT partner_id FROM apps WHERE client_id = ?`, clientID).Scan(&partnerID)
		if err != nil {
			return translate(err, "app "+clientID)
		}
		if err := checkScope(ctx, tx, partnerID, scope); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE apps SET scope_kind = ?, scope_ids = ? WHERE client_id = ?`,
			string(scope.Kind), string(scopeIDs), clientID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, secusers.AuditAppScope, clientID, secusers.AppScopeDetail(scope))
	})
}

// App returns the app registration with the client id.
func (s *Store) App(ctx context.Context, clientID string) (secusers.App, error) {
	var a secusers.App
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanApp(tx.QueryRowContext(ctx,
			`SELECT `+appColumns+` FROM apps WHERE client_id = ?`, clientID))
		return translate(err, "app "+clientID)
	})
	return a, err
}

// Apps lists the partner's app registrations, oldest first. An unknown
// partner is NotFound.
func (s *Store) Apps(ctx context.Context, partnerID string) ([]secusers.App, error) {
	var out []secusers.App
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := partnerExists(ctx, tx, partnerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT `+appColumns+` FROM apps WHERE partner_id = ? ORDER BY created_at, client_id`, partnerID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanApp)
		return err
	})
	return out, err
}

// DisableApp marks the app disabled. Disabling a disabled app succeeds.
func (s *Store) DisableApp(ctx context.Context, clientID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE apps SET disabled = 1 WHERE client_id = ?`, clientID)
		if n, err := affected(res, err); err != nil {
			return err
		} else if n == 0 {
			return secusers.Missing("app", clientID)
		}
		return s.audit(ctx, tx, secusers.AuditAppDisable, clientID, secusers.AppDisableDetail())
	})
}

func scanApp(row scanner) (secusers.App, error) {
	var a secusers.App
	var permissions, kind, scopeIDs string
	var created int64
	err := row.Scan(&a.ClientID, &a.PartnerID, &a.Name, &permissions, &kind, &scopeIDs, &a.Disabled, &created)
	if err != nil {
		return a, err
	}
	a.Scope.Kind = secusers.ScopeKind(kind)
	a.CreatedAt = secusers.FromMillis(created)
	if err := json.Unmarshal([]byte(permissions), &a.Permissions); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(scopeIDs), &a.Scope.IDs); err != nil {
		return a, err
	}
	a.Scope = a.Scope.Canonical()
	return a, nil
}
