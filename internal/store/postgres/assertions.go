package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// UseAssertionID records the app's use of a client assertion's jti. The
// primary key (client_id, jti) makes the check and the record one atomic
// step on every server of the database: of two servers that see one
// assertion at once, one inserts and the other waits for it, then finds the
// row. A record that has expired is replaced in place (the WHERE of the DO
// UPDATE), so an expired record never refuses a jti; a live one leaves the
// statement with no row affected, which is the replay.
func (s *Store) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	if err := secusers.ValidateAssertionID(clientID, jti, expiresAt); err != nil {
		return err
	}
	now := s.stamp().UnixMilli()
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO assertion_ids (client_id, jti, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
			WHERE assertion_ids.expires_at <= $4`,
			clientID, jti, secusers.CeilMillis(expiresAt), now)
		if err != nil {
			return translate(err, "client assertion")
		}
		if tag.RowsAffected() == 0 {
			return secusers.AssertionReplayed()
		}
		return deleteExpiredAssertions(ctx, tx, now)
	})
}

// deleteExpiredAssertions deletes up to secusers.AssertionCleanupBatch
// expired records. SKIP LOCKED leaves records that a concurrent call is
// deleting (or replacing) to it, so that token requests never wait on one
// another here.
func deleteExpiredAssertions(ctx context.Context, tx pgx.Tx, now int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM assertion_ids WHERE (client_id, jti) IN (
			SELECT client_id, jti FROM assertion_ids WHERE expires_at <= $1
			LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, secusers.AssertionCleanupBatch)
	return err
}
