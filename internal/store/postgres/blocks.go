package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// blockChunk is how many users buildBlocks reads at a time: the reads and
// the inserts share the transaction's one connection, so each chunk is read
// whole before its blocks are written.
const blockChunk = 10 * secusers.UsersPerBlock

// buildBlocks writes the blocks of each of secusers.BlockFilters from the
// tenant's users, read back in the API's order a chunk at a time, and marks
// them built at the tenant's users version. It runs at the end of a
// replacement, in its transaction, after the old blocks were deleted.
func buildBlocks(ctx context.Context, tx pgx.Tx, tenantID string) error {
	for _, mask := range secusers.BlockFilters() {
		b := secusers.NewBlockBuilder(func(n int64, last secusers.UserKey, users int, data []byte) error {
			_, err := tx.Exec(ctx, `INSERT INTO user_blocks
				(tenant_id, filter, block, last_sort_key, last_id, users, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				tenantID, int32(mask), n, last.SortKey, last.ID, int32(users), data)
			return err
		})
		var after *secusers.UserKey
		for {
			query := `SELECT ` + pageColumns + ` FROM users WHERE tenant_id = $1 AND ` + statusFilter(mask)
			args := []any{tenantID, int32(mask), blockChunk}
			if after != nil {
				query += ` AND (sort_key, id) > ($4, $5)`
				args = append(args, after.SortKey, after.ID)
			}
			rows, err := tx.Query(ctx, query+` ORDER BY sort_key, id LIMIT $3`, args...)
			if err != nil {
				return err
			}
			chunk, err := collect(rows, scanPageUser)
			if err != nil {
				return fmt.Errorf("build the blocks of filter %d: %w", mask, err)
			}
			for _, u := range chunk {
				if err := b.Add(u); err != nil {
					return err
				}
			}
			if len(chunk) < blockChunk {
				break
			}
			after = &chunk[len(chunk)-1].Key
		}
		if err := b.Flush(); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE tenants SET blocks_version = users_version WHERE id = $1`, tenantID)
	return err
}

// blockAtQuery finds the block of a filter that holds the first user after
// a position: the first block whose last user comes after it (NULL when no
// user does). The users at or before the position in that block are passed
// over when the page is cut (secusers.PageFromBlocks).
const blockAtQuery = `SELECT block FROM user_blocks
	WHERE tenant_id = $1 AND filter = $2 AND (last_sort_key, last_id) > ($3, $4)
	ORDER BY last_sort_key, last_id LIMIT 1`

// blocksQuery reads a filter's blocks from $3 to $4, in order, when they
// are current (blocksCurrent).
const blocksQuery = `SELECT data FROM user_blocks
	WHERE tenant_id = $1 AND filter = $2 AND block BETWEEN $3 AND $4 AND ` + blocksCurrent + `
	ORDER BY block`

// blocksAfterQuery reads a filter's blocks from the one that holds the first
// user after position ($3, $4) on, when they are current; none when no user
// comes after the position. It reads $5 blocks (secusers.BlocksAfter), one
// fewer when the position is a block's last user, as it is for every page
// of a nextLink walk of the default size: the next block then starts
// exactly after it.
const blocksAfterQuery = `SELECT data FROM user_blocks
	WHERE tenant_id = $1 AND filter = $2 AND block >= (` + blockAtQuery + `) AND ` + blocksCurrent + `
	ORDER BY block
	LIMIT $5 - (SELECT count(*) FROM user_blocks
		WHERE tenant_id = $1 AND filter = $2 AND last_sort_key = $3 AND last_id = $4)`

// queueBlockPage queues the read of the blocks that hold the page q asks
// for, of filter mask; readBlockPage cuts the page from them.
func queueBlockPage(b *pgx.Batch, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) {
	if first, last, _, known := secusers.BlocksToRead(q); known {
		b.Queue(blocksQuery, tenantID, int32(mask), first, last)
		return
	}
	b.Queue(blocksAfterQuery, tenantID, int32(mask), q.After.SortKey, q.After.ID, secusers.BlocksAfter(q))
}

// readBlockPage reads the blocks queueBlockPage asked for and cuts q's page
// from them.
func readBlockPage(results pgx.BatchResults, q secusers.UserQuery) ([]secusers.PageUser, error) {
	rows, err := results.Query()
	if err != nil {
		return nil, err
	}
	users := make([]secusers.PageUser, 0, secusers.BlockUsers(q))
	_, _, skip, known := secusers.BlocksToRead(q)
	if !known {
		skip = int(q.Offset)
	}
	for rows.Next() {
		if !known && len(users) > 0 && secusers.PageComplete(users, q.After, skip, q.Limit) {
			break // the blocks left are not needed; Close discards them
		}
		var data []byte
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return nil, err
		}
		// Scan copies into a new []byte, which the page's users keep
		// slices of.
		if users, err = secusers.DecodeBlock(users, data); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if known {
		return secusers.PageFromBlocks(users, nil, skip, q.Limit), nil
	}
	return secusers.PageFromBlocks(users, q.After, skip, q.Limit), nil
}
