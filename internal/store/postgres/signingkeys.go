package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

const signingKeyColumns = `id, algorithm, private_key, created_at, retired_at`

// activeKey selects the active signing key, if there is one.
const activeKey = `SELECT ` + signingKeyColumns + ` FROM signing_keys WHERE retired_at = 0`

// SigningKeys lists the stored signing keys: the active one first, then the
// retired ones, most recently retired first.
func (s *Store) SigningKeys(ctx context.Context) ([]secusers.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys
		ORDER BY retired_at = 0 DESC, retired_at DESC, created_at DESC, id`)
	if err != nil {
		return nil, translate(err, "")
	}
	out, err := collect(rows, scanSigningKey)
	return out, translate(err, "")
}

// EnsureSigningKey returns the active signing key, storing candidate as the
// active key when there is none. Servers that start together race here; the
// partial unique index on the active key decides: the INSERT of every
// candidate but one does nothing (waiting, if need be, for the transaction
// that inserted the winner), and each caller then reads the winner.
func (s *Store) EnsureSigningKey(ctx context.Context, candidate secusers.SigningKey) (secusers.SigningKey, error) {
	if err := candidate.Validate(); err != nil {
		return secusers.SigningKey{}, err
	}
	var key secusers.SigningKey
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		key, err = scanSigningKey(tx.QueryRow(ctx, activeKey))
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if key, err = candidate.Activated(s.stamp()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES ($1, $2, $3, $4, 0)
			ON CONFLICT (retired_at) WHERE retired_at = 0 DO NOTHING`,
			key.ID, key.Algorithm, key.PrivateKey, key.CreatedAt.UnixMilli())
		if err != nil || tag.RowsAffected() == 1 {
			return translate(err, "signing key "+key.ID)
		}
		// Another caller's key won. READ COMMITTED: this statement's
		// snapshot is taken after that caller committed.
		key, err = scanSigningKey(tx.QueryRow(ctx, activeKey))
		return err
	})
	if err != nil {
		return secusers.SigningKey{}, err
	}
	return key, nil
}

// RotateSigningKey retires the active key, if any, and stores candidate as
// the active key, both at one instant of the store's clock. Rotations (and
// the insert of EnsureSigningKey) are serialized by a table lock that
// readers do not take, so that servers rotating at once do so one after the
// other, each retiring the key the previous one made active, as on SQLite,
// instead of both retiring the same key and colliding on the new one.
func (s *Store) RotateSigningKey(ctx context.Context, candidate secusers.SigningKey) (secusers.SigningKey, error) {
	var key secusers.SigningKey
	err := s.write(ctx, func(tx pgx.Tx) error {
		// SHARE ROW EXCLUSIVE conflicts with itself and with the ROW
		// EXCLUSIVE of every write, not with the ACCESS SHARE of reads.
		if _, err := tx.Exec(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		// Stamped once the lock is held, so that rotations that queued
		// are dated in the order they ran.
		var err error
		if key, err = candidate.Activated(s.stamp()); err != nil {
			return err
		}
		retired, err := keyIDs(ctx, tx, `UPDATE signing_keys SET retired_at = $1 WHERE retired_at = 0 RETURNING id`,
			key.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES ($1, $2, $3, $4, 0)`,
			key.ID, key.Algorithm, key.PrivateKey, key.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "signing key "+key.ID)
		}
		return audit(ctx, tx, key.CreatedAt, secusers.AuditSigningKeyRotate, key.ID, secusers.SigningKeyRotateDetail(key, retired))
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
// deletes nothing leaves no trace in the audit trail: servers prune on a
// schedule, and the trail records changes, not attempts.
func (s *Store) PruneSigningKeys(ctx context.Context, retiredBefore time.Time) (int, error) {
	var ids []string
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = keyIDs(ctx, tx, `DELETE FROM signing_keys WHERE retired_at <> 0 AND retired_at < $1 RETURNING id`,
			secusers.CeilMillis(retiredBefore))
		if err != nil || len(ids) == 0 {
			return err
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditSigningKeyPrune, "", secusers.SigningKeyPruneDetail(retiredBefore, ids))
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// keyIDs runs a statement that returns key ids (a SELECT, or a write with
// RETURNING id) and collects them.
func keyIDs(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func scanSigningKey(row pgx.Row) (secusers.SigningKey, error) {
	var k secusers.SigningKey
	err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, secusers.ScanMillis(&k.CreatedAt), secusers.ScanOptionalMillis(&k.RetiredAt))
	return k, err
}
