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
		b := secusers.NewBlockBuilder(func(n int64, first secusers.UserKey, users int, data []byte) error {
			_, err := tx.Exec(ctx, `INSERT INTO user_blocks
				(tenant_id, filter, block, first_sort_key, first_id, users, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				tenantID, int32(mask), n, first.SortKey, first.ID, int32(users), data)
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

// The reads of a page from blocks, each one statement (and so one snapshot,
// without a transaction): the tenant's users version, its blocks' version
// and the filter's count, with the blocks that hold the page, one row per
// block (one row with a NULL block when none is read). The blocks are read
// only when they were built at the users version.
const (
	blockHead = `SELECT t.users_version, t.blocks_version,
		(SELECT coalesce(sum(users), 0)::bigint FROM user_status_counts
			WHERE tenant_id = t.id AND (status & $2) <> 0),
		b.data
	FROM tenants AS t LEFT JOIN LATERAL (`
	blockTail = `) AS b ON true
	WHERE t.id = $1
	ORDER BY b.block`

	// blocksQuery reads the filter's blocks $3 to $4.
	blocksQuery = blockHead + `SELECT block, data FROM user_blocks
		WHERE tenant_id = t.id AND filter = $2 AND t.blocks_version = t.users_version
			AND block BETWEEN $3 AND $4` + blockTail

	// blocksAfterQuery reads $5 blocks from the one that holds the first
	// user after position ($3, $4): the last block whose first user is at
	// or before it (the first block when none is).
	blocksAfterQuery = blockHead + `SELECT block, data FROM user_blocks
		WHERE tenant_id = t.id AND filter = $2 AND t.blocks_version = t.users_version
			AND block >= coalesce((SELECT block FROM user_blocks
				WHERE tenant_id = $1 AND filter = $2 AND (first_sort_key, first_id) <= ($3, $4)
				ORDER BY first_sort_key DESC, first_id DESC LIMIT 1), 0)
		ORDER BY block LIMIT $5` + blockTail
)

// blockPage reads q's page from the blocks of filter mask, when they are
// current; FromBlocks tells. The page's users keep slices of the blocks,
// which pgx copies out of its buffer when it scans them.
func (s *Store) blockPage(ctx context.Context, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (secusers.UserPage, error) {
	var rows pgx.Rows
	var err error
	first, last, skip, known := secusers.BlocksToRead(q)
	after := (*secusers.UserKey)(nil)
	if known {
		rows, err = s.pool.Query(ctx, blocksQuery, tenantID, int32(mask), first, last)
	} else {
		skip, after = int(q.Offset), q.After
		rows, err = s.pool.Query(ctx, blocksAfterQuery, tenantID, int32(mask), q.After.SortKey, q.After.ID, secusers.BlocksAfter(q))
	}
	if err != nil {
		return secusers.UserPage{}, translate(err, "")
	}
	var page secusers.UserPage
	var blocksVersion int64
	var users []secusers.PageUser
	found := false
	for rows.Next() {
		var data []byte
		if err = rows.Scan(&page.Version, &blocksVersion, &page.Total, &data); err != nil {
			break
		}
		found = true
		if users, err = secusers.DecodeBlock(users, data); err != nil {
			break
		}
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	switch {
	case err != nil:
		return secusers.UserPage{}, translate(err, "")
	case !found:
		return secusers.UserPage{}, secusers.Missing("tenant", tenantID)
	}
	if page.FromBlocks = blocksVersion == page.Version; page.FromBlocks {
		page.Users = secusers.PageFromBlocks(users, after, skip, q.Limit)
	}
	return page, nil
}
