package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

const certColumns = `client_id, thumbprint, thumbprint_sha256, subject, der, not_before, not_after, created_at`

// AddClientCertificate registers a certificate to an existing app. The
// thumbprint is stored in upper case, the form Microsoft Entra shows, so
// that one certificate given in two cases is still one; its times are kept
// at millisecond precision, like every time the store keeps.
func (s *Store) AddClientCertificate(ctx context.Context, c secusers.ClientCertificate) (secusers.ClientCertificate, error) {
	if err := c.Validate(); err != nil {
		return secusers.ClientCertificate{}, err
	}
	c.Thumbprint = strings.ToUpper(c.Thumbprint)
	if _, err := hex.DecodeString(c.Thumbprint); err != nil {
		return secusers.ClientCertificate{}, secusers.Errorf(secusers.Invalid, "a certificate thumbprint must be 40 hex digits")
	}
	c.CreatedAt = s.stamp()
	c.NotBefore, c.NotAfter = fromMillis(c.NotBefore.UnixMilli()), fromMillis(c.NotAfter.UnixMilli())
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, c.ClientID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO client_certificates (`+certColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ClientID, c.Thumbprint, c.ThumbprintSHA256, c.Subject, c.DER,
			c.NotBefore.UnixMilli(), c.NotAfter.UnixMilli(), c.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, fmt.Sprintf("certificate %s of app %s", c.Thumbprint, c.ClientID))
		}
		return s.audit(ctx, tx, secusers.AuditAppCertAdd, c.ClientID,
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
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT `+certColumns+` FROM client_certificates WHERE client_id = ? ORDER BY created_at, thumbprint`, clientID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanCert)
		return err
	})
	return out, err
}

// RemoveClientCertificate removes the app's certificate with the SHA-1
// thumbprint, given in any case. Another app's certificate is NotFound
// exactly like a missing one.
func (s *Store) RemoveClientCertificate(ctx context.Context, clientID, thumbprint string) error {
	thumbprint = strings.ToUpper(thumbprint)
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM client_certificates WHERE client_id = ? AND thumbprint = ?`,
			clientID, thumbprint)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return secusers.Errorf(secusers.NotFound, "app %s has no certificate with thumbprint %s", clientID, shown(thumbprint))
		}
		return s.audit(ctx, tx, secusers.AuditAppCertRemove, clientID, "thumbprint "+thumbprint)
	})
}

func scanCert(row scanner) (secusers.ClientCertificate, error) {
	var c secusers.ClientCertificate
	var notBefore, notAfter, created int64
	err := row.Scan(&c.ClientID, &c.Thumbprint, &c.ThumbprintSHA256, &c.Subject, &c.DER, &notBefore, &notAfter, &created)
	c.NotBefore, c.NotAfter, c.CreatedAt = fromMillis(notBefore), fromMillis(notAfter), fromMillis(created)
	return c, err
}

// shown returns a caller's value cut short enough to repeat in a message.
func shown(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
