package sqlite

import (
	"context"
	"database/sql"
	"time"
	"unicode/utf8"

	"github.com/secusers/secusers/internal/secusers"
)

// expiredAssertionBatch is how many expired assertion records one
// UseAssertionID deletes at most. Each use deletes a few more than it adds,
// so the table stays near the number of unexpired records, and no request
// pays for a backlog (after a long pause in traffic) all at once.
const expiredAssertionBatch = 100

// UseAssertionID records the app's use of a client assertion's jti, and
// fails with Conflict when an unexpired record of it exists. A record whose
// expiry has passed is replaced: the assertion it was for can no longer be
// replayed, since its exp has passed too. The write transaction is
// IMMEDIATE, so that two servers racing on one jti take turns and the
// second sees the first's record.
func (s *Store) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	if err := checkAssertion(clientID, jti, expiresAt); err != nil {
		return err
	}
	now := s.stamp().UnixMilli()
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM assertion_ids WHERE rowid IN (
			SELECT rowid FROM assertion_ids WHERE expires_at <= ? LIMIT ?)`, now, expiredAssertionBatch)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO assertion_ids (client_id, jti, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
			WHERE assertion_ids.expires_at <= ?`, clientID, jti, expiresAt.UnixMilli(), now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return secusers.Errorf(secusers.Conflict, "the client assertion was used before (a jti is used once)")
		}
		return nil
	})
}

// checkAssertion refuses a record that could not come from a client
// assertion the token service accepted.
func checkAssertion(clientID, jti string, expiresAt time.Time) error {
	switch canon, ok := secusers.ParseGUID(clientID); {
	case !ok || canon != clientID:
		return secusers.Errorf(secusers.Invalid, "a client id must be a lower-case GUID, got %q", shown(clientID))
	case jti == "":
		return secusers.Errorf(secusers.Invalid, "a client assertion needs a jti")
	case len(jti) > secusers.MaxFieldLength || !utf8.ValidString(jti):
		return secusers.Errorf(secusers.Invalid, "a client assertion's jti must be UTF-8 of at most %d bytes", secusers.MaxFieldLength)
	case expiresAt.IsZero():
		return secusers.Errorf(secusers.Invalid, "a client assertion needs an expiry")
	}
	return nil
}
