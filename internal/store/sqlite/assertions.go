package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// UseAssertionID records the app's use of a client assertion's jti, and
// fails with Conflict when an unexpired record of it exists. A record whose
// expiry has passed is replaced: the assertion it was for can no longer be
// replayed, since its exp has passed too. The write transaction is
// IMMEDIATE, so that two servers racing on one jti take turns and the
// second sees the first's record. Each use first deletes up to
// secusers.AssertionCleanupBatch expired records.
func (s *Store) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	if err := secusers.ValidateAssertionID(clientID, jti, expiresAt); err != nil {
		return err
	}
	now := s.stamp().UnixMilli()
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM assertion_ids WHERE rowid IN (
			SELECT rowid FROM assertion_ids WHERE expires_at <= ? LIMIT ?)`, now, secusers.AssertionCleanupBatch)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO assertion_ids (client_id, jti, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
			WHERE assertion_ids.expires_at <= ?`, clientID, jti, secusers.CeilMillis(expiresAt), now)
		if n, err := affected(res, err); err != nil {
			return err
		} else if n == 0 {
			return secusers.AssertionReplayed()
		}
		return nil
	})
}
