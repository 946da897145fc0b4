package sqlite

import (
	"context"
	"database/sql"

	"github.com/secusers/secusers/internal/secusers"
)

const tenantColumns = `id, customer_id, name, created_at`

// CreateTenant stores a new tenant of an existing customer.
func (s *Store) CreateTenant(ctx context.Context, t secusers.Tenant) (secusers.Tenant, error) {
	t, err := t.Prepared(s.now())
	if err != nil {
		return secusers.Tenant{}, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := partnerOfCustomer(ctx, tx, t.CustomerID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?)`,
			t.ID, t.CustomerID, t.Name, t.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "tenant "+t.ID)
		}
		return s.audit(ctx, tx, secusers.AuditTenantCreate, t.ID, secusers.TenantCreateDetail(t))
	})
	if err != nil {
		return secusers.Tenant{}, err
	}
	return t, nil
}

// Tenant returns the tenant with the id.
func (s *Store) Tenant(ctx context.Context, id string) (secusers.Tenant, error) {
	var t secusers.Tenant
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTenant(tx.QueryRowContext(ctx,
			`SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
		return translate(err, "tenant "+id)
	})
	return t, err
}

// Tenants lists the customer's tenants, or every tenant when customerID is
// "", oldest first. An unknown customer is NotFound.
func (s *Store) Tenants(ctx context.Context, customerID string) ([]secusers.Tenant, error) {
	var out []secusers.Tenant
	err := s.read(ctx, func(tx *sql.Tx) error {
		query, args := `SELECT `+tenantColumns+` FROM tenants ORDER BY created_at, id`, []any(nil)
		if customerID != "" {
			if _, err := partnerOfCustomer(ctx, tx, customerID); err != nil {
				return err
			}
			query = `SELECT ` + tenantColumns + ` FROM tenants WHERE customer_id = ? ORDER BY created_at, id`
			args = []any{customerID}
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanTenant)
		return err
	})
	return out, err
}

func scanTenant(row scanner) (secusers.Tenant, error) {
	var t secusers.Tenant
	err := row.Scan(&t.ID, &t.CustomerID, &t.Name, secusers.ScanMillis(&t.CreatedAt))
	return t, err
}

// tenantExists returns NotFound unless the tenant exists.
func tenantExists(ctx context.Context, tx *sql.Tx, id string) error {
	return exists(ctx, tx, `SELECT 1 FROM tenants WHERE id = ?`, id, "tenant")
}
