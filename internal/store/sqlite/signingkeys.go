package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"secusers/internal/secusers"
)

const signingKeyColumns = `id, algorithm, private_key, created_at, retired_at`

// SigningKeys lists the stored signing keys: the active one first, then the
// retired ones, most recently retired first.
func (s *Store) SigningKeys(ctx context.Context) ([]secusers.SigningKey, error) {
	var out []secusers.SigningKey
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys
			ORDER BY retired_at = 0 DESC, retired_at DESC, created_at DESC, id`)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanSigningKey)
		return err
	})
	return out, err
}

// EnsureSigningKey returns the active signing key, storing candidate as the
// active key when there is none. The look-up and the insert share one
// IMMEDIATE transaction, which holds the database's write lock: a second
// caller, in this process or another, waits and then finds the first's key.
// The partial unique index on the active key backs this up.
func (s *Store) EnsureSigningKey(ctx context.Context, candidate secusers.SigningKey) (secusers.SigningKey, error) {
	if err := validateSigningKey(candidate); err != nil {
		return secusers.SigningKey{}, err
	}
	var key secusers.SigningKey
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		key, err = scanSigningKey(tx.QueryRowContext(ctx,
			`SELECT `+signingKeyColumns+` FROM signing_keys WHERE retired_at = 0`))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		key = candidate
		key.CreatedAt = s.stamp()
		_, err = tx.ExecContext(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES (?, ?, ?, ?, 0)`,
			key.ID, key.Algorithm, key.PrivateKey, key.CreatedAt.UnixMilli())
		return translate(err, "signing key "+key.ID)
	})
	if err != nil {
		return secusers.SigningKey{}, err
	}
	return key, nil
}

func scanSigningKey(row scanner) (secusers.SigningKey, error) {
	var k secusers.SigningKey
	var created, retired int64
	err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &created, &retired)
	k.CreatedAt, k.RetiredAt = fromMillis(created), fromOptionalMillis(retired)
	return k, err
}
