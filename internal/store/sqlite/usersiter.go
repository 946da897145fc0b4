package sqlite

import (
	"context"
	"database/sql"
	"iter"

	"github.com/secusers/secusers/internal/secusers"
)

// Users yields every user of the tenant in the API's order, from one
// snapshot. The read transaction stays open while the caller consumes the
// sequence and ends when the sequence is done or the caller stops. An
// unknown tenant yields one NotFound error.
func (s *Store) Users(ctx context.Context, tenantID string) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		stopped := false
		err := s.read(ctx, func(tx *sql.Tx) error {
			generation, err := usersVersion(ctx, tx, tenantID)
			if err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx,
				`SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND generation = ? ORDER BY sort_key, id`, tenantID, generation)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				u, err := scanUser(rows)
				if err != nil {
					return err
				}
				if !yield(u, nil) {
					stopped = true
					return nil
				}
			}
			return rows.Err()
		})
		if err != nil && !stopped {
			yield(secusers.User{}, err)
		}
	}
}
