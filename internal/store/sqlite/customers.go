package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/secusers/secusers/internal/secusers"
)

const customerColumns = `id, partner_id, organization, created_at`

// CreateCustomer stores a new customer of an existing partner.
func (s *Store) CreateCustomer(ctx context.Context, c secusers.Customer) (secusers.Customer, error) {
	c, err := c.Prepared(s.now())
	if err != nil {
		return secusers.Customer{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := partnerExists(ctx, tx, c.PartnerID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO customers (`+customerColumns+`) VALUES (?, ?, ?, ?)`,
			c.ID, c.PartnerID, c.Organization, c.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "customer "+c.ID)
		}
		return s.audit(ctx, tx, secusers.AuditCustomerCreate, c.ID, secusers.CustomerCreateDetail(c))
	})
	if err != nil {
		return secusers.Customer{}, err
	}
	return c, nil
}

// Customer returns the customer with the id.
func (s *Store) Customer(ctx context.Context, id string) (secusers.Customer, error) {
	var c secusers.Customer
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanCustomer(tx.QueryRowContext(ctx,
			`SELECT `+customerColumns+` FROM customers WHERE id = ?`, id))
		return translate(err, "customer "+id)
	})
	return c, err
}

// Customers lists the partner's customers, oldest first. An unknown partner
// is NotFound.
func (s *Store) Customers(ctx context.Context, partnerID string) ([]secusers.Customer, error) {
	var out []secusers.Customer
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := partnerExists(ctx, tx, partnerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT `+customerColumns+` FROM customers WHERE partner_id = ? ORDER BY created_at, id`, partnerID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanCustomer)
		return err
	})
	return out, err
}

func scanCustomer(row scanner) (secusers.Customer, error) {
	var c secusers.Customer
	err := row.Scan(&c.ID, &c.PartnerID, &c.Organization, secusers.ScanMillis(&c.CreatedAt))
	return c, err
}

// partnerOfCustomer returns the id of the customer's partner, or NotFound.
func partnerOfCustomer(ctx context.Context, tx *sql.Tx, customerID string) (string, error) {
	var partnerID string
	err := tx.QueryRowContext(ctx, `SELECT partner_id FROM customers WHERE id = ?`, customerID).Scan(&partnerID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", secusers.Missing("customer", customerID)
	}
	return partnerID, err
}

// customersOfPartner returns NotFound naming the first id that is not one
// of the partner's customers. Another partner's customer is reported exactly
// like a missing one: the caller must not learn that it exists.
func customersOfPartner(ctx context.Context, tx *sql.Tx, partnerID string, ids []string) error {
	for _, id := range ids {
		owner, err := partnerOfCustomer(ctx, tx, id)
		if secusers.IsKind(err, secusers.NotFound) || err == nil && owner != partnerID {
			return secusers.NotPartners("customer", id, partnerID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
