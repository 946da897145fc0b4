package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

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
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := partnerExists(ctx, tx, a.PartnerID); err != nil {
			return err
		}
		if err := checkScope(ctx, tx, a.PartnerID, a.Scope); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO apps (`+appColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ClientID, a.PartnerID, a.Name, a.Permissions, string(a.Scope.Kind), a.Scope.StoredIDs(),
			a.Disabled, a.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "app "+a.ClientID)
		}
		return audit(ctx, tx, a.CreatedAt, secusers.AuditAppCreate, a.ClientID, secusers.AppCreateDetail(a))
	})
	if err != nil {
		return secusers.App{}, err
	}
	return a, nil
}

// checkScope returns NotFound unless the partner owns every customer or
// group the scope names.
func checkScope(ctx context.Context, q querier, partnerID string, scope secusers.CustomerScope) error {
	if err := customersOfPartner(ctx, q, partnerID, scope.CustomerIDs()); err != nil {
		return err
	}
	return groupsOfPartner(ctx, q, partnerID, scope.GroupIDs())
}

// App returns the app registration with the client id.
func (s *Store) App(ctx context.Context, clientID string) (secusers.App, error) {
	a, err := scanApp(s.pool.QueryRow(ctx, `SELECT `+appColumns+` FROM apps WHERE client_id = $1`, clientID))
	if err != nil {
		return secusers.App{}, translate(err, "app "+clientID)
	}
	return a, nil
}

// Apps lists the partner's app registrations, oldest first. An unknown
// partner is NotFound.
func (s *Store) Apps(ctx context.Context, partnerID string) ([]secusers.App, error) {
	var out []secusers.App
	err := s.read(ctx, func(tx pgx.Tx) error {
		if err := partnerExists(ctx, tx, partnerID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx,
			`SELECT `+appColumns+` FROM apps WHERE partner_id = $1 ORDER BY created_at, client_id`, partnerID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanApp)
		return err
	})
	return out, err
}

// DisableApp marks the app disabled. Disabling a disabled app succeeds, and
// is recorded again: the operator asked for it.
func (s *Store) DisableApp(ctx context.Context, clientID string) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE apps SET disabled = true WHERE client_id = $1`, clientID)
		if err != nil {
			return translate(err, "app "+clientID)
		}
		if tag.RowsAffected() == 0 {
			return secusers.Missing("app", clientID)
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditAppDisable, clientID, secusers.AppDisableDetail())
	})
}

// SetAppScope replaces the app's customer scope. The app's row is locked
// first, so that the scope is checked against the partner it is written for.
func (s *Store) SetAppScope(ctx context.Context, clientID string, scope secusers.CustomerScope) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx pgx.Tx) error {
		var partnerID string
		err := tx.QueryRow(ctx, `SELECT partner_id FROM apps WHERE client_id = $1 FOR UPDATE`, clientID).Scan(&partnerID)
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.Missing("app", clientID)
		}
		if err != nil {
			return err
		}
		if err := checkScope(ctx, tx, partnerID, scope); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE apps SET scope_kind = $2, scope_ids = $3 WHERE client_id = $1`,
			clientID, string(scope.Kind), scope.StoredIDs())
		if err != nil {
			return err
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditAppScope, clientID, secusers.AppScopeDetail(scope))
	})
}

func scanApp(row pgx.Row) (secusers.App, error) {
	var a secusers.App
	var kind string
	var created int64
	err := row.Scan(&a.ClientID, &a.PartnerID, &a.Name, &a.Permissions, &kind, &a.Scope.IDs, &a.Disabled, &created)
	a.Scope.Kind = secusers.ScopeKind(kind)
	a.Scope, a.CreatedAt = a.Scope.Canonical(), secusers.FromMillis(created)
	return a, err
}
