package sqlite

import (
	"context"
	"database/sql"
	"iter"

	"secusers/internal/secusers"
)

// ReplaceUsers replaces every user of the tenant with the users the sequence
// yields, in one transaction: it deletes the tenant's users, then inserts
// each yielded user with one prepared statement, and records how many users
// have each status set. The sequence is consumed while the transaction holds
// the database's write lock, so it should come from memory or a local file,
// not from the network. Invalid users are refused with an Invalid error that
// gives their position (1-based) in the sequence; an error the sequence
// yields is returned as it is.
func (s *Store) ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	var n int
	var seqErr error
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := deleteUsers(ctx, tx, tenantID); err != nil {
			return err
		}
		insert, err := tx.PrepareContext(ctx, insertUser)
		if err != nil {
			return err
		}
		defer insert.Close()
		counts := make(map[secusers.StatusSet]int64)
		for u, err := range users {
			if err != nil {
				seqErr = err
				return err
			}
			n++
			if err := insertOne(ctx, insert, tenantID, n, u); err != nil {
				return err
			}
			counts[u.Status]++
		}
		return insertCounts(ctx, tx, tenantID, counts)
	})
	switch {
	case seqErr != nil:
		// Returned untouched: translate must not reinterpret the
		// caller's own error.
		return 0, seqErr
	case err != nil:
		return 0, err
	}
	return n, nil
}

// deleteUsers deletes the tenant's users and their counts, after checking
// that the tenant exists.
func deleteUsers(ctx context.Context, tx *sql.Tx, tenantID string) error {
	if err := tenantExists(ctx, tx, tenantID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = ?`, tenantID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM user_status_counts WHERE tenant_id = ?`, tenantID)
	return err
}

// insertOne validates and inserts the n-th user of a replacement. Its
// primary key makes a repeated id fail, which is the caller's mistake.
func insertOne(ctx context.Context, insert *sql.Stmt, tenantID string, n int, u secusers.User) error {
	if err := u.Validate(); err != nil {
		return secusers.Errorf(secusers.Invalid, "user %d: %s", n, secusers.MessageOf(err))
	}
	_, err := insert.ExecContext(ctx, userArgs(tenantID, u)...)
	if err = translate(err, "user "+u.ID); secusers.IsKind(err, secusers.Conflict) {
		return secusers.Errorf(secusers.Invalid, "user %d: duplicate user id %s", n, u.ID)
	}
	return err
}

// insertCounts records how many of the tenant's users have each status set.
func insertCounts(ctx context.Context, tx *sql.Tx, tenantID string, counts map[secusers.StatusSet]int64) error {
	for status, users := range counts {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO user_status_counts (tenant_id, status, users) VALUES (?, ?, ?)`,
			tenantID, int64(status), users)
		if err != nil {
			return err
		}
	}
	return nil
}

// SecurityUsers returns one page of the tenant's security users in the
// API's order, and how many match in all. The count and the page come from
// one snapshot, so they agree even while ReplaceUsers commits.
func (s *Store) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if err := checkQuery(q); err != nil {
		return secusers.UserPage{}, err
	}
	// Without a filter every user with a status matches; users hold only
	// defined bits, so that is the mask of every defined status.
	mask := q.Statuses
	if mask == 0 {
		mask = secusers.AllStatusBits
	}
	var page secusers.UserPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tenantExists(ctx, tx, tenantID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx,
			`SELECT coalesce(sum(users), 0) FROM user_status_counts WHERE tenant_id = ? AND (status & ?) != 0`,
			tenantID, int64(mask)).Scan(&page.Total)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users
			WHERE tenant_id = ? AND (status & ?) != 0
			ORDER BY sort_key, id LIMIT ? OFFSET ?`,
			tenantID, int64(mask), q.Limit, q.Offset)
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

func checkQuery(q secusers.UserQuery) error {
	switch {
	case q.Limit <= 0:
		return secusers.Errorf(secusers.Invalid, "the page size must be at least 1, got %d", q.Limit)
	case q.Offset < 0:
		return secusers.Errorf(secusers.Invalid, "the offset must not be negative, got %d", q.Offset)
	case !q.Statuses.Valid():
		return secusers.Errorf(secusers.Invalid, "the status filter %d has bits beyond the defined statuses", q.Statuses)
	}
	return nil
}

// Users yields every user of the tenant in the API's order, from one
// snapshot. The read transaction stays open while the caller consumes the
// sequence and ends when the sequence is done or the caller stops. An
// unknown tenant yields one NotFound error.
func (s *Store) Users(ctx context.Context, tenantID string) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		stopped := false
		err := s.read(ctx, func(tx *sql.Tx) error {
			if err := tenantExists(ctx, tx, tenantID); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx,
				`SELECT `+userColumns+` FROM users WHERE tenant_id = ? ORDER BY sort_key, id`, tenantID)
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
