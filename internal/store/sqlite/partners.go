package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/secusers/secusers/internal/secusers"
)

// CreatePartner stores a new partner.
func (s *Store) CreatePartner(ctx context.Context, p secusers.Partner) (secusers.Partner, error) {
	p, err := p.Prepared(s.now())
	if err != nil {
		return secusers.Partner{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO partners (id, name, created_at) VALUES (?, ?, ?)`,
			p.ID, p.Name, p.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "partner "+p.ID)
		}
		return s.audit(ctx, tx, secusers.AuditPartnerCreate, p.ID, secusers.PartnerCreateDetail(p))
	})
	if err != nil {
		return secusers.Partner{}, err
	}
	return p, nil
}

// Partner returns the partner with the id.
func (s *Store) Partner(ctx context.Context, id string) (secusers.Partner, error) {
	var p secusers.Partner
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanPartner(tx.QueryRowContext(ctx,
			`SELECT id, name, created_at FROM partners WHERE id = ?`, id))
		return translate(err, "partner "+id)
	})
	return p, err
}

// Partners lists every partner, oldest first.
func (s *Store) Partners(ctx context.Context) ([]secusers.Partner, error) {
	var out []secusers.Partner
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, name, created_at FROM partners ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanPartner)
		return err
	})
	return out, err
}

func scanPartner(row scanner) (secusers.Partner, error) {
	var p secusers.Partner
	err := row.Scan(&p.ID, &p.Name, secusers.ScanMillis(&p.CreatedAt))
	return p, err
}

// partnerExists returns NotFound unless the partner exists. Creating
// methods check their parents first, in their transaction, so that the
// error names the missing id (the foreign key would only say that one is).
func partnerExists(ctx context.Context, tx *sql.Tx, id string) error {
	return exists(ctx, tx, `SELECT 1 FROM partners WHERE id = ?`, id, "partner")
}

// exists returns NotFound naming kind and id unless query finds a row.
func exists(ctx context.Context, tx *sql.Tx, query, id, kind string) error {
	var one int
	err := tx.QueryRowContext(ctx, query, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return secusers.Missing(kind, id)
	}
	return err
}
