package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

const customerColumns = `id, partner_id, organization, created_at`

// CreateCustomer stores a new customer of an existing partner.
func (s *Store) CreateCustomer(ctx context.Context, c secusers.Customer) (secusers.Customer, error) {
	c, err := c.Prepared(s.now())
	if err != nil {
		return secusers.Customer{}, err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := partnerExists(ctx, tx, c.PartnerID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO customers (`+customerColumns+`) VALUES ($1, $2, $3, $4)`,
			c.ID, c.PartnerID, c.Organization, c.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "customer "+c.ID)
		}
		return audit(ctx, tx, c.CreatedAt, secusers.AuditCustomerCreate, c.ID, secusers.CustomerCreateDetail(c))
	})
	if err != nil {
		return secusers.Customer{}, err
	}
	return c, nil
}

// Customer returns the customer with the id.
func (s *Store) Customer(ctx context.Context, id string) (secusers.Customer, error) {
	c, err := scanCustomer(s.pool.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, id))
	if err != nil {
		return secusers.Customer{}, translate(err, "customer "+id)
	}
	return c, nil
}

// Customers lists the partner's customers, oldest first. An unknown partner
// is NotFound.
func (s *Store) Customers(ctx context.Context, partnerID string) ([]secusers.Customer, error) {
	var out []secusers.Customer
	err := s.read(ctx, func(tx pgx.Tx) error {
		if err := partnerExists(ctx, tx, partnerID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx,
			`SELECT `+customerColumns+` FROM customers WHERE partner_id = $1 ORDER BY created_at, id`, partnerID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanCustomer)
		return err
	})
	return out, err
}

func scanCustomer(row pgx.Row) (secusers.Customer, error) {
	var c secusers.Customer
	err := row.Scan(&c.ID, &c.PartnerID, &c.Organization, secusers.ScanMillis(&c.CreatedAt))
	return c, err
}

// partnerOfCustomer returns the id of the customer's partner, or NotFound.
func partnerOfCustomer(ctx context.Context, q querier, customerID string) (string, error) {
	var partnerID string
	err := q.QueryRow(ctx, `SELECT partner_id FROM customers WHERE id = $1`, customerID).Scan(&partnerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", secusers.Missing("customer", customerID)
	}
	return partnerID, err
}

// customersOfPartner returns NotFound naming the first id that is not one
// of the partner's customers. Another partner's customer is reported exactly
// like a missing one: the caller must not learn that it exists.
func customersOfPartner(ctx context.Context, q querier, partnerID string, ids []string) error {
	return ownedBy(ctx, q, `SELECT id FROM customers WHERE partner_id = $1 AND id = ANY($2)`, partnerID, ids, "customer")
}

// ownedBy runs query (which selects the ids among $2 that partner $1 owns)
// and returns NotFound naming the first of ids it did not select, so that
// the error is the same as checking them one by one, in one round trip.
func ownedBy(ctx context.Context, q querier, query, partnerID string, ids []string, kind string) error {
	if len(ids) == 0 {
		return nil // no round trip to check nothing
	}
	rows, err := q.Query(ctx, query, partnerID, ids)
	if err != nil {
		return err
	}
	owned, err := collect(rows, func(row pgx.Row) (string, error) {
		var id string
		return id, row.Scan(&id)
	})
	if err != nil {
		return err
	}
	found := make(map[string]bool, len(owned))
	for _, id := range owned {
		found[id] = true
	}
	for _, id := range ids {
		if !found[id] {
			return secusers.NotPartners(kind, id, partnerID)
		}
	}
	return nil
}
