package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

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
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := appExists(ctx, tx, c.ClientID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO client_secrets (`+secretColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, c.ClientID, c.Hash, c.Hint, c.CreatedAt.UnixMilli(), c.ExpiresAt.UnixMilli())
		if err != nil {
			return translate(err, "client secret "+c.ID)
		}
		return audit(ctx, tx, c.CreatedAt, secusers.AuditAppSecretAdd, c.ClientID, secusers.AppSecretAddDetail(c))
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
	err := s.read(ctx, func(tx pgx.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx,
			`SELECT `+secretColumns+` FROM client_secrets WHERE client_id = $1 ORDER BY created_at, id`, clientID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanSecret)
		return err
	})
	return out, err
}

// RemoveClientSecret removes the app's secret. A secret of another app is
// not found, exactly like one that does not exist.
func (s *Store) RemoveClientSecret(ctx context.Context, clientID, secretID string) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM client_secrets WHERE client_id = $1 AND id = $2`, clientID, secretID)
		if err != nil {
			return translate(err, "client secret "+secretID)
		}
		if tag.RowsAffected() == 0 {
			return missingCredential(ctx, tx, clientID, secusers.NoSecret(clientID, secretID))
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditAppSecretRemove, clientID, secusers.AppSecretRemoveDetail(secretID))
	})
}

func scanSecret(row pgx.Row) (secusers.ClientSecret, error) {
	var c secusers.ClientSecret
	err := row.Scan(&c.ID, &c.ClientID, &c.Hash, &c.Hint, secusers.ScanMillis(&c.CreatedAt), secusers.ScanMillis(&c.ExpiresAt))
	return c, err
}

// appExists returns NotFound unless the app exists.
func appExists(ctx context.Context, q querier, clientID string) error {
	return exists(ctx, q, `SELECT 1 FROM apps WHERE client_id = $1`, clientID, "app")
}

// missingCredential is the NotFound error of a removal that removed
// nothing: the app's, when the app is what is missing, or else missing, the
// credential's.
func missingCredential(ctx context.Context, tx pgx.Tx, clientID string, missing error) error {
	if err := appExists(ctx, tx, clientID); err != nil {
		return err
	}
	return missing
}
