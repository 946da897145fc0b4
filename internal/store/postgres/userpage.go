package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// statusFilter is the condition that selects the users with a status of
// mask, bound as $2. For a filter of one status it adds the same test with
// the mask as a constant: a partial index is only used for a query whose
// WHERE implies the index's, and a bound parameter implies nothing in a
// generic plan, so this is what lets the planner read that status's own
// index (migration 00004), where the first page of a status few users have
// is a short range instead of a scan of users_in_order until enough match.
// The indexes include status, so the $2 test is read from the index too.
func statusFilter(mask secusers.StatusSet) string {
	cond := `(status & $2) <> 0`
	if st, ok := mask.Only(); ok {
		cond += ` AND (status & ` + strconv.Itoa(1<<st) + `) <> 0`
	}
	return cond
}

// currentGeneration is the tenant's current generation, the only one a
// read sees. As a subquery of the read it comes from the read's own
// snapshot, and PostgreSQL evaluates it once, before the scan, as the key
// the scan starts from: the index's order after (tenant_id, generation) is
// the API's.
const currentGeneration = `(SELECT users_version FROM tenants WHERE id = $1)`

// pagePositions finds a page's users in the API's order: an index-only
// scan (of users_in_order, or of the status's own index: see statusFilter)
// of the tenant's current generation, from the start or after a keyset
// position. pageQuery then fetches the rows of those positions, one index
// probe each.
func pagePositions(mask secusers.StatusSet, after bool) string {
	q := `SELECT generation, sort_key, id FROM users WHERE tenant_id = $1 AND generation = ` + currentGeneration + ` AND ` + statusFilter(mask)
	if after {
		q += ` AND (sort_key, id) > ($5, $6)`
	}
	return q + ` ORDER BY sort_key, id LIMIT $3 OFFSET $4`
}

// pageColumns are what a page reads of each user: its position, the fields
// the response computes or writes per revision, and the rest pre-encoded
// (secusers.PageUser).
const pageColumns = `sort_key, id, status, last_password_change, start_date, end_date, ` + pageFields

// pageFields is the encoded fields of a row as a page reads them. A row
// written by a server of the release before migration 00004, during a
// rolling upgrade, has none; it gets them from PostgreSQL's JSON quoting,
// as the migration gave the rows before it (the same JSON to any reader).
const pageFields = `CASE WHEN fields <> ''::bytea THEN fields ELSE
		convert_to('"id":' || to_json(id)::text || ',"userPrincipalName":' || to_json(user_principal_name)::text || ',"mail":' || to_json(mail)::text
		|| ',"displayName":' || to_json(display_name)::text || ',"firstName":' || to_json(first_name)::text || ',"lastName":' || to_json(last_name)::text
		|| ',"employeeId":' || to_json(employee_id)::text || ',"location":' || to_json(location)::text || ',"department":' || to_json(department)::text
		|| ',"mobile":' || to_json(mobile)::text || ',"jobTitle":' || to_json(job_title)::text
		|| chr(31) || '"officePhone":' || to_json(office_phone)::text || ',"company":' || to_json(company)::text || chr(31) || to_json(country_region)::text, 'UTF8') END`

// pageQuery returns the statement and arguments that read the page q asks
// for, of the users that have any status of mask. The rows are fetched in a
// LATERAL subquery whose LIMIT keeps the planner from flattening it into a
// hash join over the whole table, which is what it picks for a generic plan
// of a plain join (it guesses a LIMIT $n returns a tenth of the rows); a
// nested loop also keeps the positions' order, so the page is not sorted
// again.
func pageQuery(tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (string, []any) {
	args := []any{tenantID, int32(mask), q.Limit, q.Offset}
	if q.After != nil {
		args = append(args, q.After.SortKey, q.After.ID)
	}
	return `SELECT u.* FROM (` + pagePositions(mask, q.After != nil) + `) AS p
		CROSS JOIN LATERAL (SELECT ` + pageColumns + ` FROM users
			WHERE tenant_id = $1 AND generation = p.generation AND sort_key = p.sort_key AND id = p.id LIMIT 1) AS u
		ORDER BY p.sort_key, p.id`, args
}

// SecurityUsers returns one page of the tenant's security users in the
// API's order, how many match in all (After does not change that), and the
// tenant's users version. The three come from one snapshot, so they agree
// even while ReplaceUsers commits, and from one round trip. A filter of
// secusers.BlockFilters reads the tenant's blocks when they were built at
// its users version; else, and for every other filter, the users' rows are
// read (for a block filter, in a second round trip: only a tenant written
// before the blocks existed, or by an older release, has none).
func (s *Store) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if err := q.Validate(); err != nil {
		return secusers.UserPage{}, err
	}
	mask := q.Statuses.FilterMask()
	if secusers.Blocked(mask) {
		page, err := s.blockPage(ctx, tenantID, mask, q)
		if err != nil || page.FromBlocks || q.BlocksOnly {
			return page, err
		}
	}
	return s.rowPage(ctx, tenantID, mask, q)
}

// headQuery reads the tenant's users version (its current generation), the
// version its blocks were built at, and how many of the current
// generation's users have a status of mask $2.
const headQuery = `SELECT users_version, blocks_version, (SELECT coalesce(sum(users), 0)::bigint FROM user_status_counts
	WHERE tenant_id = tenants.id AND generation = tenants.users_version AND (status & $2) <> 0)
	FROM tenants WHERE id = $1`

// readHead reads headQuery's row into page; NotFound when the tenant does
// not exist.
func readHead(results pgx.BatchResults, tenantID string, page *secusers.UserPage) (blocksVersion int64, err error) {
	err = results.QueryRow().Scan(&page.Version, &blocksVersion, &page.Total)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, secusers.Missing("tenant", tenantID)
	}
	return blocksVersion, err
}

// blockPage reads q's page from the blocks of filter mask, when they are
// current; FromBlocks tells.
func (s *Store) blockPage(ctx context.Context, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (secusers.UserPage, error) {
	var page secusers.UserPage
	err := s.snapshot(ctx, func(b *pgx.Batch) {
		// The block reads are index lookups whose best plan does not
		// depend on their arguments, but PostgreSQL's estimates favour a
		// custom plan for the read after a position, and re-planning it
		// on every call cost more than the read (1 ms against 0.1 ms).
		b.Queue(`SET LOCAL plan_cache_mode = force_generic_plan`)
		b.Queue(headQuery, tenantID, int32(mask))
		queueBlockPage(b, tenantID, mask, q)
	}, func(results pgx.BatchResults) error {
		if _, err := results.Exec(); err != nil {
			return err
		}
		blocksVersion, err := readHead(results, tenantID, &page)
		if err != nil {
			return err
		}
		users, err := readBlockPage(results, q)
		if page.FromBlocks = blocksVersion == page.Version; page.FromBlocks {
			page.Users = users
		}
		return err
	})
	if err != nil {
		return secusers.UserPage{}, err
	}
	return page, nil
}

// rowPage reads q's page from the users' rows.
func (s *Store) rowPage(ctx context.Context, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (secusers.UserPage, error) {
	var page secusers.UserPage
	query, args := pageQuery(tenantID, mask, q)
	err := s.snapshot(ctx, func(b *pgx.Batch) {
		b.Queue(headQuery, tenantID, int32(mask))
		b.Queue(query, args...)
	}, func(results pgx.BatchResults) error {
		if _, err := readHead(results, tenantID, &page); err != nil {
			return err
		}
		rows, err := results.Query()
		if err != nil {
			return err
		}
		page.Users, err = collect(rows, scanPageUser)
		return err
	})
	if err != nil {
		return secusers.UserPage{}, err
	}
	return page, nil
}

// scanPageUser reads the pageColumns of one row.
func scanPageUser(row pgx.Row) (secusers.PageUser, error) {
	var u secusers.PageUser
	var status int32
	var changed *int64
	err := row.Scan(&u.Key.SortKey, &u.Key.ID, &status, &changed, &u.StartDate, &u.EndDate, &u.Fields)
	u.Status = secusers.StatusSet(status)
	if changed != nil {
		u.LastPasswordChange = secusers.FromMillis(*changed)
	}
	return u, err
}
