package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/secusers/secusers/internal/secusers"
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
	if err := candidate.Validate(); err != nil {
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
		if key, err = candidate.Activated(s.stamp()); err != nil {
			return err
		}
		return insertActiveKey(ctx, tx, key)
	})
	if err != nil {
		return secusers.SigningKey{}, err
	}
	return key, nil
}

// RotateSigningKey retires the active key, if there is one, and stores
// candidate as the active key, both at the store's clock and in one
// IMMEDIATE transaction: concurrent rotations, in this process or another,
// run one after the other, and each retires the key the previous one made
// active, so exactly one key is active after any number of them.
func (s *Store) RotateSigningKey(ctx context.Context, candidate secusers.SigningKey) (secusers.SigningKey, error) {
	var key secusers.SigningKey
	err := s.write(ctx, func(tx *sql.Tx) error {
		// One instant for both: the old key stopped signing exactly when
		// the new one started. Stamped inside the transaction, so that
		// rotations that queued for the write lock are dated in the order
		// they ran.
		var err error
		if key, err = candidate.Activated(s.stamp()); err != nil {
			return err
		}
		retired, err := keyIDs(ctx, tx, `SELECT id FROM signing_keys WHERE retired_at = 0`)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ? WHERE retired_at = 0`, key.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		if err := insertActiveKey(ctx, tx, key); err != nil {
			return err
		}
		return s.audit(ctx, tx, secusers.AuditSigningKeyRotate, key.ID, secusers.SigningKeyRotateDetail(key, retired))
	})
	if err != nil {
		return secusers.SigningKey{}, err
	}
	return key, nil
}

// PruneSigningKeys deletes the keys retired before retiredBefore; the active
// key (retired_at = 0) is never one of them. The store keeps milliseconds,
// so the bound is rounded up to the next millisecond: a key retired at
// 10:00:00.001 was retired before 10:00:00.0015, and goes. A prune that
// deletes nothing is not an administrative change and leaves no audit event
// (the server prunes on a schedule).
func (s *Store) PruneSigningKeys(ctx context.Context, retiredBefore time.Time) (int, error) {
	bound := secusers.CeilMillis(retiredBefore)
	var ids []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = keyIDs(ctx, tx, `SELECT id FROM signing_keys WHERE retired_at != 0 AND retired_at < ? ORDER BY id`, bound)
		if err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE retired_at != 0 AND retired_at < ?`, bound); err != nil {
			return err
		}
		return s.audit(ctx, tx, secusers.AuditSigningKeyPrune, "", secusers.SigningKeyPruneDetail(retiredBefore, ids))
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// keyIDs returns the ids of the signing keys query selects.
func keyIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
}

// insertActiveKey stores key, as secusers.SigningKey.Activated made it, as
// the active key. The partial unique index refuses a second active key,
// should a caller forget to retire the first.
func insertActiveKey(ctx context.Context, tx *sql.Tx, key secusers.SigningKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES (?, ?, ?, ?, 0)`,
		key.ID, key.Algorithm, key.PrivateKey, key.CreatedAt.UnixMilli())
	return translate(err, "signing key "+key.ID)
}

func scanSigningKey(row scanner) (secusers.SigningKey, error) {
	var k secusers.SigningKey
	err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, secusers.ScanMillis(&k.CreatedAt), secusers.ScanOptionalMillis(&k.RetiredAt))
	return k, err
}
