package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// usersChunk is how many users Users reads per statement: enough that the
// round trips do not matter, few enough that stopping early wastes little.
const usersChunk = 1000

// Users yields every user of the tenant's current generation in the API's
// order, from one snapshot. It reads in keyset chunks inside a read-only
// transaction, which stays open while the caller consumes the sequence and
// ends (releasing its connection) when the sequence is done or the caller
// stops. An unknown tenant yields one NotFound error.
func (s *Store) Users(ctx context.Context, tenantID string) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		stopped := false
		err := s.read(ctx, func(tx pgx.Tx) error {
			var generation int64
			err := tx.QueryRow(ctx, `SELECT users_version FROM tenants WHERE id = $1`, tenantID).Scan(&generation)
			if errors.Is(err, pgx.ErrNoRows) {
				return secusers.Missing("tenant", tenantID)
			}
			if err != nil {
				return err
			}
			var after *secusers.UserKey
			for {
				users, last, err := readChunk(ctx, tx, tenantID, generation, after)
				if err != nil {
					return err
				}
				for _, u := range users {
					if !yield(u, nil) {
						stopped = true
						return nil
					}
				}
				if len(users) < usersChunk {
					return nil
				}
				after = &last
			}
		})
		if err != nil && !stopped {
			yield(secusers.User{}, err)
		}
	}
}

// chunkQuery and chunkAfterQuery read the first $2 users of generation $3
// of tenant $1, and the $2 after position ($4, $5), with their sort keys.
const (
	chunkQuery = `SELECT ` + userColumns + `, sort_key FROM users WHERE tenant_id = $1 AND generation = $3
		ORDER BY sort_key, id LIMIT $2`
	chunkAfterQuery = `SELECT ` + userColumns + `, sort_key FROM users
		WHERE tenant_id = $1 AND generation = $3 AND (sort_key, id) > ($4, $5)
		ORDER BY sort_key, id LIMIT $2`
)

// readChunk reads up to usersChunk users of the generation after the
// position after (from the start when nil), and the position of the last.
// The position is the stored sort key, not one recomputed from the display
// name, so that the chunks meet exactly even if SortKey's folding changed
// since the users were written.
func readChunk(ctx context.Context, tx pgx.Tx, tenantID string, generation int64, after *secusers.UserKey) ([]secusers.User, secusers.UserKey, error) {
	query, args := chunkQuery, []any{tenantID, usersChunk, generation}
	if after != nil {
		query, args = chunkAfterQuery, append(args, after.SortKey, after.ID)
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, secusers.UserKey{}, err
	}
	var last secusers.UserKey
	users, err := collect(rows, func(row pgx.Row) (secusers.User, error) {
		u, err := scanUser(row, &last.SortKey)
		last.ID = u.ID
		return u, err
	})
	return users, last, err
}
