package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/secusers/secusers/internal/secusers"
)

// buildBlocks writes the blocks of each of secusers.BlockFilters from the
// tenant's users, read back in the API's order through the indexes, and
// marks them built at the tenant's users version. It runs at the end of a
// replacement, in its transaction, after the old blocks were deleted: one
// ordered pass per filter over the users that match it.
func buildBlocks(ctx context.Context, tx *sql.Tx, tenantID string) error {
	insert, err := tx.PrepareContext(ctx, `INSERT INTO user_blocks
		(tenant_id, filter, block, first_sort_key, first_id, users, data) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	for _, mask := range secusers.BlockFilters() {
		b := secusers.NewBlockBuilder(func(n int64, first secusers.UserKey, users int, data []byte) error {
			_, err := insert.ExecContext(ctx, tenantID, int64(mask), n, first.SortKey, first.ID, users, data)
			return err
		})
		rows, err := tx.QueryContext(ctx, `SELECT `+pageColumns+userRange(mask, nil)+` ORDER BY sort_key, id`,
			append([]any{tenantID}, userRangeArgs(mask, nil)...)...)
		if err != nil {
			return err
		}
		err = eachRow(rows, func(row scanner) error {
			u, err := scanPageUser(row)
			if err != nil {
				return err
			}
			return b.Add(u)
		})
		if err == nil {
			err = b.Flush()
		}
		if err != nil {
			return fmt.Errorf("build the blocks of filter %d: %w", mask, err)
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE tenants SET blocks_version = users_version WHERE id = ?`, tenantID)
	return err
}

// eachRow calls fn with every row and closes rows.
func eachRow(rows *sql.Rows, fn func(scanner) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// blockAtQuery finds the block of a filter that holds the first user after
// a position: the last block whose first user is at or before it. The
// users before the position in that block are passed over when the page is
// cut (secusers.PageFromBlocks).
const blockAtQuery = `SELECT block FROM user_blocks
	WHERE tenant_id = ? AND filter = ? AND (first_sort_key, first_id) <= (?, ?)
	ORDER BY first_sort_key DESC, first_id DESC LIMIT 1`

// blocksQuery reads a filter's blocks first to last, in order.
const blocksQuery = `SELECT data FROM user_blocks
	WHERE tenant_id = ? AND filter = ? AND block BETWEEN ? AND ? ORDER BY block`

// blockPage reads the page q asks for from the blocks of filter mask, in
// tx, whose snapshot has found them built at the tenant's users version.
func (s *Store) blockPage(ctx context.Context, tx *sql.Tx, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) ([]secusers.PageUser, error) {
	first, last, skip, known := secusers.BlocksToRead(q)
	after := (*secusers.UserKey)(nil)
	if !known {
		at, err := s.statement(ctx, tx, blockAtQuery)
		if err != nil {
			return nil, err
		}
		err = at.QueryRowContext(ctx, tenantID, int64(mask), q.After.SortKey, q.After.ID).Scan(&first)
		switch {
		case err == sql.ErrNoRows:
			first = 0 // the position comes before the filter's first user
		case err != nil:
			return nil, err
		}
		last, skip, after = first+secusers.BlocksAfter(q)-1, int(q.Offset), q.After
	}
	read, err := s.statement(ctx, tx, blocksQuery)
	if err != nil {
		return nil, err
	}
	rows, err := read.QueryContext(ctx, tenantID, int64(mask), first, last)
	if err != nil {
		return nil, err
	}
	var users []secusers.PageUser
	err = eachRow(rows, func(row scanner) error {
		var data []byte
		if err := row.Scan(&data); err != nil {
			return err
		}
		users, err = secusers.DecodeBlock(users, data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return secusers.PageFromBlocks(users, after, skip, q.Limit), nil
}
