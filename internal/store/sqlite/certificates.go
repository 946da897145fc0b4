package sqlite

import (
	"context"
	"database/sql"

	"github.com/secusers/secusers/internal/secusers"
)

const certColumns = `client_id, thumbprint, thumbprint_sha256, subject, der, not_before, not_after, created_at`

// AddClientCertificate registers a certificate to an existing app, in the
// form secusers.ClientCertificate.Prepared gives it.
func (s *Store) AddClientCertificate(ctx context.Context, c secusers.ClientCertificate) (secusers.ClientCertificate, error) {
	c, err := c.Prepared(s.now())
	if err != nil {
		return secusers.ClientCertificate{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, c.ClientID); err != nil {
			return err
		}
		// DO NOTHING rather than a unique violation: the conflict is the
		// caller's to hear about, said plainly, not a driver error.
		res, err := tx.ExecContext(ctx, `INSERT INTO client_certificates (`+certColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (client_id, thumbprint) DO NOTHING`,
			c.ClientID, c.Thumbprint, c.ThumbprintSHA256, c.Subject, c.DER,
			c.NotBefore.UnixMilli(), c.NotAfter.UnixMilli(), c.CreatedAt.UnixMilli())
		if n, err := affected(res, err); err != nil {
			return translate(err, "client certificate "+c.Thumbprint)
		} else if n == 0 {
			return secusers.CertificateExists(c.ClientID, c.Thumbprint)
		}
		return s.audit(ctx, tx, secusers.AuditAppCertAdd, c.ClientID, secusers.AppCertAddDetail(c))
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
	thumbprint = secusers.CanonicalThumbprint(thumbprint)
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := appExists(ctx, tx, clientID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM client_certificates WHERE client_id = ? AND thumbprint = ?`,
			clientID, thumbprint)
		if n, err := affected(res, err); err != nil {
			return err
		} else if n == 0 {
			return secusers.NoCertificate(clientID, thumbprint)
		}
		return s.audit(ctx, tx, secusers.AuditAppCertRemove, clientID, secusers.AppCertRemoveDetail(thumbprint))
	})
}

func scanCert(row scanner) (secusers.ClientCertificate, error) {
	var c secusers.ClientCertificate
	err := row.Scan(&c.ClientID, &c.Thumbprint, &c.ThumbprintSHA256, &c.Subject, &c.DER, secusers.ScanMillis(&c.NotBefore), secusers.ScanMillis(&c.NotAfter), secusers.ScanMillis(&c.CreatedAt))
	return c, err
}
