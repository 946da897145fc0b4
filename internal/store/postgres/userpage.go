package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// pagePositions finds a page's users in the API's order: an index-only scan
// of users_in_order (status is an included column, so the filter and the
// offset skip read the index alone, where a plain index scan would read
// every skipped row), from the start or after a keyset position. pageQuery
// then fetches the rows of those positions, one index probe each.
const (
	pagePositions = `SELECT sort_key, id FROM users
		WHERE tenant_id = $1 AND (status & $2) <> 0
		ORDER BY sort_key, id LIMIT $3 OFFSET $4`
	pagePositionsAfter = `SELECT sort_key, id FROM users
		WHERE tenant_id = $1 AND (status & $2) <> 0 AND (sort_key, id) > ($5, $6)
		ORDER BY sort_key, id LIMIT $3 OFFSET $4`
)

// pageQuery returns the statement and arguments that read the page q asks
// for, of the users that have any status of mask. The rows are fetched in a
// LATERAL subquery whose LIMIT keeps the planner from flattening it into a
// hash join over the whole table, which is what it picks for a generic plan
// of a plain join (it guesses a LIMIT $n returns a tenth of the rows); a
// nested loop also keeps the positions' order, so the page is not sorted
// again.
func pageQuery(tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (string, []any) {
	positions, args := pagePositions, []any{tenantID, int32(mask), q.Limit, q.Offset}
	if q.After != nil {
		positions, args = pagePositionsAfter, append(args, q.After.SortKey, q.After.ID)
	}
	return `SELECT u.* FROM (` + positions + `) AS p
		CROSS JOIN LATERAL (SELECT ` + userColumns + ` FROM users
			WHERE tenant_id = $1 AND sort_key = p.sort_key AND id = p.id LIMIT 1) AS u
		ORDER BY p.sort_key, p.id`, args
}

// SecurityUsers returns one page of the tenant's security users in the
// API's order, how many match in all (After does not change that), and the
// tenant's users version. The three come from one snapshot, so they agree
// even while ReplaceUsers commits, and from one round trip.
func (s *Store) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if err := q.Validate(); err != nil {
		return secusers.UserPage{}, err
	}
	mask := q.Statuses.FilterMask()
	var page secusers.UserPage
	query, args := pageQuery(tenantID, mask, q)
	err := s.snapshot(ctx, func(b *pgx.Batch) {
		b.Queue(`SELECT users_version FROM tenants WHERE id = $1`, tenantID)
		b.Queue(`SELECT coalesce(sum(users), 0)::bigint FROM user_status_counts
			WHERE tenant_id = $1 AND (status & $2) <> 0`, tenantID, int32(mask))
		b.Queue(query, args...)
	}, func(results pgx.BatchResults) error {
		err := results.QueryRow().Scan(&page.Version)
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.Missing("tenant", tenantID)
		}
		if err != nil {
			return err
		}
		if err := results.QueryRow().Scan(&page.Total); err != nil {
			return err
		}
		rows, err := results.Query()
		if err != nil {
			return err
		}
		page.Users, err = collect(rows, readUser)
		return err
	})
	if err != nil {
		return secusers.UserPage{}, err
	}
	return page, nil
}
