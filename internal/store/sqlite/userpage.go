package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/secusers/secusers/internal/secusers"
)

// pageColumns are what a page reads of each user: its position, the fields
// the response computes or writes per revision, and the rest pre-encoded
// (secusers.PageUser).
const pageColumns = `sort_key, id, status, last_password_change, start_date, end_date, ` + pageFields

// pageFields is the encoded fields of a row as a page reads them. A row
// written by a server of the release before migration 00006, during a
// rolling upgrade, has none; it gets them from SQLite's JSON quoting, as
// the migration gave the rows before it (the same JSON to any reader).
const pageFields = `CASE WHEN fields != x'' THEN fields ELSE
		CAST('"id":' || json_quote(id) || ',"userPrincipalName":' || json_quote(user_principal_name) || ',"mail":' || json_quote(mail)
		|| ',"displayName":' || json_quote(display_name) || ',"firstName":' || json_quote(first_name) || ',"lastName":' || json_quote(last_name)
		|| ',"employeeId":' || json_quote(employee_id) || ',"location":' || json_quote(location) || ',"department":' || json_quote(department)
		|| ',"mobile":' || json_quote(mobile) || ',"jobTitle":' || json_quote(job_title)
		|| char(31) || '"officePhone":' || json_quote(office_phone) || ',"company":' || json_quote(company) || char(31) || json_quote(country_region) AS BLOB) END`

// pageHeadQuery reads the tenant's users version and how many of its users
// match a filter, in one statement.
const pageHeadQuery = `SELECT users_version, (SELECT coalesce(sum(users), 0) FROM user_status_counts
		WHERE tenant_id = tenants.id AND generation = tenants.users_version AND (status & ?) != 0)
	FROM tenants WHERE id = ?`

// userRange returns the FROM and WHERE of a read of a generation of a
// tenant's users that match mask in the API's order, after a position when
// after is not nil; userRangeArgs returns its arguments after the tenant's
// id and the generation. The row-value comparison is what lets SQLite start
// the scan at the After key (a seek) instead of at the tenant's first user,
// so a page deep in a large tenant costs what the first page costs.
//
// Every filter scans users_in_order, whose status column lets it skip the
// users that do not match without reading the table. The pages most
// requests read (every security user, one status) come from the blocks
// (blocks.go), which a generation has before it becomes current; the rows
// serve the other filters and the anchors of their deep pages. (Migrations
// 00006 to 00007 kept an index per status as well; every user written paid
// for them, and migration 00008 dropped them once the blocks served those
// pages.)
func userRange(after *secusers.UserKey) string {
	sql := ` FROM users WHERE tenant_id = ? AND generation = ? AND (status & ?) != 0`
	if after != nil {
		sql += ` AND (sort_key, id) > (?, ?)`
	}
	return sql
}

// userRangeArgs returns the arguments of userRange's statement after the
// tenant's id and the generation.
func userRangeArgs(mask secusers.StatusSet, after *secusers.UserKey) []any {
	args := []any{int64(mask)}
	if after != nil {
		args = append(args, after.SortKey, after.ID)
	}
	return args
}

// pageQuery reads a page of the users that match mask, after a position
// when after is not nil.
func pageQuery(after *secusers.UserKey) string {
	return `SELECT ` + pageColumns + userRange(after) + ` ORDER BY sort_key, id LIMIT ? OFFSET ?`
}

// SecurityUsers returns one page of the tenant's security users in the
// API's order, how many match in all (After does not change that), and the
// tenant's users version. All three come from one snapshot, so they agree
// even while ReplaceUsers commits. A filter of secusers.BlockFilters reads
// the tenant's blocks when they were built at its users version, else, and
// for every other filter, the users' rows.
func (s *Store) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if err := q.Validate(); err != nil {
		return secusers.UserPage{}, err
	}
	mask := q.Statuses.FilterMask()
	var page secusers.UserPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if secusers.Blocked(mask) {
			page, err = s.blockPage(ctx, tx, tenantID, mask, q)
			if err != nil || page.FromBlocks || q.BlocksOnly {
				return err
			}
		}
		page, err = s.rowPage(ctx, tx, tenantID, mask, q)
		return err
	})
	if err != nil {
		return secusers.UserPage{}, err
	}
	return page, nil
}

// rowPage reads q's page from the users' rows in tx.
func (s *Store) rowPage(ctx context.Context, tx *sql.Tx, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (secusers.UserPage, error) {
	var page secusers.UserPage
	head, err := s.statement(ctx, tx, pageHeadQuery)
	if err != nil {
		return page, err
	}
	err = head.QueryRowContext(ctx, int64(mask), tenantID).Scan(&page.Version, &page.Total)
	if errors.Is(err, sql.ErrNoRows) {
		return page, secusers.Missing("tenant", tenantID)
	}
	if err != nil {
		return page, err
	}
	users, err := s.statement(ctx, tx, pageQuery(q.After))
	if err != nil {
		return page, err
	}
	rows, err := users.QueryContext(ctx, append(append([]any{tenantID, page.Version}, userRangeArgs(mask, q.After)...), q.Limit, q.Offset)...)
	if err != nil {
		return page, err
	}
	page.Users, err = collect(rows, scanPageUser)
	return page, err
}

// scanPageUser reads the pageColumns of one row.
func scanPageUser(row scanner) (secusers.PageUser, error) {
	var u secusers.PageUser
	var status int64
	var changed sql.NullInt64
	err := row.Scan(&u.Key.SortKey, &u.Key.ID, &status, &changed, &u.StartDate, &u.EndDate, &u.Fields)
	u.Status = secusers.StatusSet(status)
	if changed.Valid {
		u.LastPasswordChange = secusers.FromMillis(changed.Int64)
	}
	return u, err
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
