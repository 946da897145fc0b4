package sqlite

import (
	"context"
	"database/sql"

	"github.com/secusers/secusers/internal/secusers"
)

const secretColumns = `id, client_id, hash, hint, created_at, expires_at`

// AddClientSecret stores a new secret of an existing app, in the form
// secusers.ClientSecret.Prepared gives it.
func (s *Store) AddClientSecret(ctx context.Context, c secusers.ClientSecret) (secusers.ClientSecret, error) {
	c, err := c.Prepared(s.now())
	if err != nil {
		return secusers.ClientSecret{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, c.ClientID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO client_secrets (`+secretColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, c.ClientID, c.Hash, c.Hint, c.CreatedAt.UnixMilli(), c.ExpiresAt.UnixMilli())
		if err != nil {
			return translate(err, "client secret "+c.ID)
		}
		return s.audit(ctx, tx, secusers.AuditAppSecretAdd, c.ClientID, secusers.AppSecretAddDetail(c))
	})
	if err != nil {
		return secusers.ClientSecret{}, err
	}
	return c, nil
}

// ClientSecrets lists the app's secrets, expired ones included, oldest
// first. An unknown app is NotFound.
func (s *Store) ClientSecrets(ctx context.Context, clientID string) ([]secusers.ClientSecret, error) {
	var out []secusers.ClientSecret
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT `+secretColumns+` FROM client_secrets WHERE client_id = ? ORDER BY created_at, id`, clientID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanSecret)
		return err
	})
	return out, err
}

// RemoveClientSecret removes the app's secret. Another app's secret is
// NotFound exactly like a missing one, so that an app's id cannot be used
// to learn of, or remove, another's secrets.
func (s *Store) RemoveClientSecret(ctx context.Context, clientID, secretID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM client_secrets WHERE id = ? AND client_id = ?`, secretID, clientID)
		if n, err := affected(res, err); err != nil {
			return err
		} else if n == 0 {
			return secusers.NoSecret(clientID, secretID)
		}
		return s.audit(ctx, tx, secusers.AuditAppSecretRemove, clientID, secusers.AppSecretRemoveDetail(secretID))
	})
}

func scanSecret(row scanner) (secusers.ClientSecret, error) {
	var c secusers.ClientSecret
	err := row.Scan(&c.ID, &c.ClientID, &c.Hash, &c.Hint, secusers.ScanMillis(&c.CreatedAt), secusers.ScanMillis(&c.ExpiresAt))
	return c, err
}

// appExists returns NotFound unless the app exists.
func appExists(ctx context.Context, tx *sql.Tx, clientID string) error {
	return exists(ctx, tx, `SELECT 1 FROM apps WHERE client_id = ?`, clientID, "app")
}
