package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

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
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := appExists(ctx, tx, c.ClientID); err != nil {
			return err
		}
		// DO NOTHING rather than a unique violation: the conflict is the
		// caller's to hear about, said plainly, not a driver error.
		tag, err := tx.Exec(ctx, `INSERT INTO client_certificates (`+certColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id, thumbprint) DO NOTHING`,
			c.ClientID, c.Thumbprint, c.ThumbprintSHA256, c.Subject, c.DER,
			c.NotBefore.UnixMilli(), c.NotAfter.UnixMilli(), c.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "client certificate "+c.Thumbprint)
		}
		if tag.RowsAffected() == 0 {
			return secusers.CertificateExists(c.ClientID, c.Thumbprint)
		}
		return audit(ctx, tx, c.CreatedAt, secusers.AuditAppCertAdd, c.ClientID, secusers.AppCertAddDetail(c))
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
		rows, err := tx.Query(ctx, `SELECT `+certColumns+` FROM client_certificates
			WHERE client_id = $1 ORDER BY created_at, seq`, clientID)
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
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM client_certificates WHERE client_id = $1 AND thumbprint = $2`, clientID, thumbprint)
		if err != nil {
			return translate(err, "client certificate "+thumbprint)
		}
		if tag.RowsAffected() == 0 {
			return missingCredential(ctx, tx, clientID, secusers.NoCertificate(clientID, thumbprint))
		}
		return audit(ctx, tx, s.stamp(), secusers.AuditAppCertRemove, clientID, secusers.AppCertRemoveDetail(thumbprint))
	})
}

func scanCert(row pgx.Row) (secusers.ClientCertificate, error) {
	var c secusers.ClientCertificate
	err := row.Scan(&c.ClientID, &c.Thumbprint, &c.ThumbprintSHA256, &c.Subject, &c.DER, secusers.ScanMillis(&c.NotBefore), secusers.ScanMillis(&c.NotAfter), secusers.ScanMillis(&c.CreatedAt))
	return c, err
}
