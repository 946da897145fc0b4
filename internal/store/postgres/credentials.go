package postgres

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

const certificateColumns = `client_id, thumbprint, thumbprint_sha256, subject, der, not_before, not_after, created_at`

// AddClientCertificate registers a certificate to an existing app. The
// thumbprint is stored in upper case, the form Entra shows, so that one
// certificate cannot be registered twice under two spellings; the validity
// period is kept to the millisecond, like every time the store keeps.
func (s *Store) AddClientCertificate(ctx context.Context, c secusers.ClientCertificate) (secusers.ClientCertificate, error) {
	if err := c.Validate(); err != nil {
		return secusers.ClientCertificate{}, err
	}
	thumbprint, err := normalThumbprint(c.Thumbprint)
	if err != nil {
		return secusers.ClientCertificate{}, err
	}
	c.Thumbprint = thumbprint
	c.CreatedAt = s.stamp()
	c.NotBefore, c.NotAfter = fromMillis(c.NotBefore.UnixMilli()), fromMillis(c.NotAfter.UnixMilli())
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := appExists(ctx, tx, c.ClientID); err != nil {
			return err
		}
		// DO NOTHING rather than a unique violation: the conflict is the
		// caller's to hear about, said plainly, not a driver error.
		tag, err := tx.Exec(ctx, `INSERT INTO client_certificates (`+certificateColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id, thumbprint) DO NOTHING`,
			c.ClientID, c.Thumbprint, c.ThumbprintSHA256, c.Subject, c.DER,
			c.NotBefore.UnixMilli(), c.NotAfter.UnixMilli(), c.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "client certificate "+c.Thumbprint)
		}
		if tag.RowsAffected() == 0 {
			return secusers.Errorf(secusers.Conflict, "app %s already has the certificate with thumbprint %s", c.ClientID, c.Thumbprint)
		}
		return audit(ctx, tx, c.CreatedAt, secusers.AuditAppCertAdd, c.ClientID,
			fmt.Sprintf("thumbprint %s, subject %q, expires %s", c.Thumbprint, c.Subject, c.NotAfter.Format(time.RFC3339)))
	})
	if err != nil {
		return secusers.ClientCertificate{}, err
	}
	return c, nil
}

// ClientCertificates lists the app's certificates, expired ones included,
// oldest first. An unknown app is NotFound.
func (s *Store) ClientCertificates(ctx context.Context, clientID string) ([]secusers.ClientCertificate, error) {
	var out []secusers.ClientCertificate
	err := s.read(ctx, func(tx pgx.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+certificateColumns+` FROM client_certificates
			WHERE client_id = $1 ORDER BY created_at, seq`, clientID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanCertificate)
		return err
	})
	return out, err
}

// RemoveClientCertificate removes the app's certificate with the thumbprint,
// given in any case.
func (s *Store) RemoveClientCertificate(ctx context.Context, clientID, thumbprint string) error {
	upper := strings.ToUpper(thumbprint)
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM client_certificates WHERE client_id = $1 AND thumbprint = $2`, clientID, upper)
		if err != nil {
			return translate(err, "client certificate "+upper)
		}
		if tag.RowsAffected() == 0 {
			return missingCredential(ctx, tx, clientID, "certificate with thumbprint "+shown(upper))
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditAppCertRemove, clientID, "thumbprint "+upper)
	})
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
			return missingCredential(ctx, tx, clientID, "secret "+shown(secretID))
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditAppSecretRemove, clientID, "secret "+secretID)
	})
}

// missingCredential is the NotFound error of a removal that removed
// nothing: it names the app when the app is what is missing.
func missingCredential(ctx context.Context, tx pgx.Tx, clientID, what string) error {
	if err := appExists(ctx, tx, clientID); err != nil {
		return err
	}
	return secusers.Errorf(secusers.NotFound, "app %s has no %s", clientID, what)
}

// expiredAssertionBatch bounds how many expired assertion records one
// UseAssertionID deletes, so that the cost of a token request stays flat
// even when nobody has cleaned up for a long time; steady traffic removes
// more records than it adds.
const expiredAssertionBatch = 100

// UseAssertionID records the app's use of a client assertion's jti. The
// primary key (client_id, jti) makes the check and the record one atomic
// step on every server of the database: of two servers that see one
// assertion at once, one inserts and the other waits for it, then finds the
// row. A record that has expired is replaced in place (the WHERE of the DO
// UPDATE), so an expired record never refuses a jti; a live one leaves the
// statement with no row affected, which is the replay.
func (s *Store) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	if err := checkAssertion(clientID, jti, expiresAt); err != nil {
		return err
	}
	now := s.stamp().UnixMilli()
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO assertion_ids (client_id, jti, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
			WHERE assertion_ids.expires_at <= $4`,
			clientID, jti, ceilMillis(expiresAt), now)
		if err != nil {
			return translate(err, "client assertion")
		}
		if tag.RowsAffected() == 0 {
			return secusers.Errorf(secusers.Conflict, "the client assertion was used before (a jti is used once)")
		}
		return deleteExpiredAssertions(ctx, tx, now)
	})
}

// checkAssertion refuses a record that could not come from a client
// assertion the token service accepted. The bound on the jti also keeps it
// well below the size of an index entry PostgreSQL refuses, which would
// otherwise surface as an internal error.
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

// shown returns a caller's value cut short enough to repeat in a message.
func shown(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// deleteExpiredAssertions deletes up to expiredAssertionBatch expired
// records. SKIP LOCKED leaves records that a concurrent call is deleting (or
// replacing) to it, so that token requests never wait on one another here.
func deleteExpiredAssertions(ctx context.Context, tx pgx.Tx, now int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM assertion_ids WHERE (client_id, jti) IN (
			SELECT client_id, jti FROM assertion_ids WHERE expires_at <= $1
			LIMIT $2 FOR UPDATE SKIP LOCKED)`, now, expiredAssertionBatch)
	return err
}

// normalThumbprint returns the SHA-1 thumbprint in upper case, or Invalid
// when it is not hex: Validate checks only its length.
func normalThumbprint(thumbprint string) (string, error) {
	if _, err := hex.DecodeString(thumbprint); err != nil {
		return "", secusers.Errorf(secusers.Invalid, "a certificate thumbprint must be 40 hex digits")
	}
	return strings.ToUpper(thumbprint), nil
}

func scanCertificate(row pgx.Row) (secusers.ClientCertificate, error) {
	var c secusers.ClientCertificate
	var notBefore, notAfter, created int64
	err := row.Scan(&c.ClientID, &c.Thumbprint, &c.ThumbprintSHA256, &c.Subject, &c.DER, &notBefore, &notAfter, &created)
	c.NotBefore, c.NotAfter, c.CreatedAt = fromMillis(notBefore), fromMillis(notAfter), fromMillis(created)
	return c, err
}
