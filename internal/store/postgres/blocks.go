package postgres

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// blocksPerTx is how many blocks buildBlocks writes per transaction, and
// so how many blocks' users it reads back per statement: a few MB of
// blocks, which keeps each transaction short while each commit's cost is
// spread over many rows.
const blocksPerTx = 50

// blockRow is a block waiting for its transaction.
type blockRow struct {
	n     int64
	last  secusers.UserKey
	users int32
	data  []byte
}

// blockColumns are the columns of user_blocks that buildBlocks COPYs, in
// blockRow's order after tenant_id, generation and filter.
var blockColumns = []string{"tenant_id", "generation", "filter", "block", "last_sort_key", "last_id", "users", "data"}

// blockUsersQuery reads the first $3 users of generation $4 of tenant $1
// that have a status of mask $2 (statusFilter), in the API's order; with
// after, those after position ($5, $6).
func blockUsersQuery(mask secusers.StatusSet, after bool) string {
	q := `SELECT ` + pageColumns + ` FROM users WHERE tenant_id = $1 AND generation = $4 AND ` + statusFilter(mask)
	if after {
		q += ` AND (sort_key, id) > ($5, $6)`
	}
	return q + ` ORDER BY sort_key, id LIMIT $3`
}

// buildBlocks writes the blocks of each of secusers.BlockFilters from the
// generation's users, read back in the API's order. Each transaction reads
// the users of blocksPerTx blocks and writes the blocks they complete with
// one COPY; a block in progress waits in the builder for the next.
func (g *generation) buildBlocks(ctx context.Context) error {
	for _, mask := range secusers.BlockFilters() {
		var pending []blockRow
		b := secusers.NewBlockBuilder(func(n int64, last secusers.UserKey, users int, data []byte) error {
			// The builder reuses data.
			pending = append(pending, blockRow{n, last, int32(users), bytes.Clone(data)})
			return nil
		})
		var after *secusers.UserKey
		for done := false; !done; {
			err := g.s.write(ctx, func(tx pgx.Tx) error {
				if err := g.own(ctx, tx); err != nil {
					return err
				}
				args := []any{g.tenantID, int32(mask), blocksPerTx * secusers.UsersPerBlock, g.number}
				if after != nil {
					args = append(args, after.SortKey, after.ID)
				}
				rows, err := tx.Query(ctx, blockUsersQuery(mask, after != nil), args...)
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
				if done = len(chunk) < blocksPerTx*secusers.UsersPerBlock; done {
					if err := b.Flush(); err != nil {
						return err
					}
				} else {
					after = &chunk[len(chunk)-1].Key
				}
				_, err = tx.CopyFrom(ctx, pgx.Identifier{"user_blocks"}, blockColumns,
					pgx.CopyFromSlice(len(pending), func(i int) ([]any, error) {
						r := pending[i]
						return []any{g.tenantID, g.number, int32(mask), r.n, r.last.SortKey, r.last.ID, r.users, r.data}, nil
					}))
				return err
			})
			if err != nil {
				return err
			}
			pending = pending[:0]
		}
	}
	return nil
}

// blocksGeneration is the generation whose blocks a page reads: the
// tenant's current one, when its blocks were built (blocks_version); else
// NULL, which no block matches, and the page is read from the rows. It
// does not depend on the row, so PostgreSQL evaluates it once, before the
// scan, as the key the scan starts from.
const blocksGeneration = `(SELECT users_version FROM tenants WHERE id = $1 AND blocks_version = users_version)`

// blockAtQuery finds the block of a filter that holds the first user after
// a position: the first block whose last user comes after it (NULL when no
// user does). The users at or before the position in that block are passed
// over when the page is cut (secusers.PageFromBlocks).
const blockAtQuery = `SELECT block FROM user_blocks
	WHERE tenant_id = $1 AND generation = ` + blocksGeneration + ` AND filter = $2 AND (last_sort_key, last_id) > ($3, $4)
	ORDER BY last_sort_key, last_id LIMIT 1`

// blocksQuery reads a filter's blocks from $3 to $4, in order, when they
// are current (blocksGeneration).
const blocksQuery = `SELECT data FROM user_blocks
	WHERE tenant_id = $1 AND generation = ` + blocksGeneration + ` AND filter = $2 AND block BETWEEN $3 AND $4
	ORDER BY block`

// blocksAfterQuery reads a filter's blocks from the one that holds the first
// user after position ($3, $4) on, when they are current; none when no user
// comes after the position. It reads $5 blocks (secusers.BlocksAfter), one
// fewer when the position is a block's last user, as it is for every page
// of a nextLink walk of the default size: the next block then starts
// exactly after it.
const blocksAfterQuery = `SELECT data FROM user_blocks
	WHERE tenant_id = $1 AND generation = ` + blocksGeneration + ` AND filter = $2 AND block >= (` + blockAtQuery + `)
	ORDER BY block
	LIMIT $5 - (SELECT count(*) FROM user_blocks
		WHERE tenant_id = $1 AND generation = ` + blocksGeneration + ` AND filter = $2 AND last_sort_key = $3 AND last_id = $4)`

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
