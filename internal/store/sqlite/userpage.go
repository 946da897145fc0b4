package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/secusers/secusers/internal/secusers"
)

// pageQuery and pageAfterQuery read a page of security users in the API's
// order. The row-value comparison is what lets SQLite start the scan of
// users_in_order at the After key (a seek) instead of at the tenant's first
// user, so a page deep in a large tenant costs what the first page costs.
// status is in the index, so the filter and the OFFSET skip read the index
// alone; only the rows of the page are looked up in the table.
const (
	pageQuery = `SELECT ` + userColumns + ` FROM users
		WHERE tenant_id = ? AND (status & ?) != 0
		ORDER BY sort_key, id LIMIT ? OFFSET ?`
	pageAfterQuery = `SELECT ` + userColumns + ` FROM users
		WHERE tenant_id = ? AND (sort_key, id) > (?, ?) AND (status & ?) != 0
		ORDER BY sort_key, id LIMIT ? OFFSET ?`
)

// SecurityUsers returns one page of the tenant's security users in the
// API's order, how many match in all (After does not change that), and the
// tenant's users version. All three come from one snapshot, so they agree
// even while ReplaceUsers commits.
func (s *Store) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if err := q.Validate(); err != nil {
		return secusers.UserPage{}, err
	}
	mask := q.Statuses.FilterMask()
	var page secusers.UserPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if page.Version, err = usersVersion(ctx, tx, tenantID); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx,
			`SELECT coalesce(sum(users), 0) FROM user_status_counts WHERE tenant_id = ? AND (status & ?) != 0`,
			tenantID, int64(mask)).Scan(&page.Total)
		if err != nil {
			return err
		}
		var rows *sql.Rows
		if q.After == nil {
			rows, err = tx.QueryContext(ctx, pageQuery, tenantID, int64(mask), q.Limit, q.Offset)
		} else {
			rows, err = tx.QueryContext(ctx, pageAfterQuery,
				tenantID, q.After.SortKey, q.After.ID, int64(mask), q.Limit, q.Offset)
		}
		if err != nil {
			return err
		}
		page.Users, err = collect(rows, scanUser)
		return err
	})
	if err != nil {
		return secusers.UserPage{}, err
	}
	return page, nil
}

// usersVersion returns the tenant's users version, or NotFound.
func usersVersion(ctx context.Context, tx *sql.Tx, tenantID string) (int64, error) {
	var version int64
	err := tx.QueryRowContext(ctx, `SELECT users_version FROM tenants WHERE id = ?`, tenantID).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, secusers.Missing("tenant", tenantID)
	}
	return version, err
}
