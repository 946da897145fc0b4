package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// keysQuery selects every $3-th position of the users of tenant $1's
// current generation that have a status of mask ($2), starting with the
// first. It hops from one position to the next: each step is an
// index-only scan (of users_in_order, or of the status's own index: see
// statusFilter) that skips $3 - 1 entries and stops, so the whole is one
// ordered pass over the generation's index entries that sends only the
// positions wanted. (Numbering every row with a window function reads the
// same entries, but the planner then prefers to sort the tenant's rows,
// which for a million users spills to disk.) The generation is found once,
// by the first step, and carried along. The final ORDER BY sorts only the
// positions found: a recursive query's rows come in the order it finds
// them, but SQL does not promise it.
func keysQuery(mask secusers.StatusSet) string {
	filter := statusFilter(mask)
	return `WITH RECURSIVE anchor (generation, sort_key, id) AS (
		(SELECT generation, sort_key, id FROM users
			WHERE tenant_id = $1 AND generation = ` + currentGeneration + ` AND ` + filter + `
			ORDER BY sort_key, id LIMIT 1)
		UNION ALL
		SELECT hop.generation, hop.sort_key, hop.id FROM anchor CROSS JOIN LATERAL (
			SELECT generation, sort_key, id FROM users
			WHERE tenant_id = $1 AND generation = anchor.generation AND ` + filter + `
				AND (sort_key, id) > (anchor.sort_key, anchor.id)
			ORDER BY sort_key, id OFFSET $3 - 1 LIMIT 1) AS hop
	)
	SELECT sort_key, id FROM anchor ORDER BY sort_key, id`
}

// SecurityUserKeys returns the position of the 1st, (every+1)-th, … user
// that matches statuses, and the users version they were read at, from one
// snapshot and one round trip. The database sends only the positions
// wanted (see keysQuery).
func (s *Store) SecurityUserKeys(ctx context.Context, tenantID string, statuses secusers.StatusSet, every int) ([]secusers.UserKey, int64, error) {
	if err := secusers.ValidateUserKeys(statuses, every); err != nil {
		return nil, 0, err
	}
	var keys []secusers.UserKey
	var version int64
	err := s.snapshot(ctx, func(b *pgx.Batch) {
		b.Queue(`SELECT users_version FROM tenants WHERE id = $1`, tenantID)
		mask := statuses.FilterMask()
		b.Queue(keysQuery(mask), tenantID, int32(mask), int64(every))
	}, func(results pgx.BatchResults) error {
		err := results.QueryRow().Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.Missing("tenant", tenantID)
		}
		if err != nil {
			return err
		}
		rows, err := results.Query()
		if err != nil {
			return err
		}
		keys, err = collect(rows, func(row pgx.Row) (secusers.UserKey, error) { return secusers.ScanUserKey(row) })
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return keys, version, nil
}
