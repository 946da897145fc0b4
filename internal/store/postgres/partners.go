package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// CreatePartner stores a new partner.
func (s *Store) CreatePartner(ctx context.Context, p secusers.Partner) (secusers.Partner, error) {
	p, err := p.Prepared(s.now())
	if err != nil {
		return secusers.Partner{}, err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO partners (id, name, created_at) VALUES ($1, $2, $3)`,
			p.ID, p.Name, p.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "partner "+p.ID)
		}
		return audit(ctx, tx, p.CreatedAt, secusers.AuditPartnerCreate, p.ID, secusers.PartnerCreateDetail(p))
	})
	if err != nil {
		return secusers.Partner{}, err
	}
	return p, nil
}

// Partner returns the partner with the id.
func (s *Store) Partner(ctx context.Context, id string) (secusers.Partner, error) {
	p, err := scanPartner(s.pool.QueryRow(ctx, `SELECT id, name, created_at FROM partners WHERE id = $1`, id))
	if err != nil {
		return secusers.Partner{}, translate(err, "partner "+id)
	}
	return p, nil
}

// Partners lists every partner, oldest first.
func (s *Store) Partners(ctx context.Context) ([]secusers.Partner, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, created_at FROM partners ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err, "")
	}
	out, err := collect(rows, scanPartner)
	return out, translate(err, "")
}

func scanPartner(row pgx.Row) (secusers.Partner, error) {
	var p secusers.Partner
	err := row.Scan(&p.ID, &p.Name, secusers.ScanMillis(&p.CreatedAt))
	return p, err
}

// partnerExists returns NotFound unless the partner exists. Creating
// methods check their parents first, in their transaction, so that the
// error names the missing id (the foreign key would only say that one is).
func partnerExists(ctx context.Context, q querier, id string) error {
	return exists(ctx, q, `SELECT 1 FROM partners WHERE id = $1`, id, "partner")
}
