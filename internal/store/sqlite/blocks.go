package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/secusers/secusers/internal/secusers"
)

// buildBlocks writes the blocks of each of secusers.BlockFilters from the
// users of one generation of the tenant: one pass over them in the API's
// order (users_in_order), handing each user to the builder of every filter
// it matches, while the blocks go to the writer
// blocksPerWrite at a time, each batch in a short transaction. The
// generation is not current yet, so no reader reads its blocks until it
// is, whole.
func (s *Store) buildBlocks(ctx context.Context, tenantID string, generation int64) error {
	pending := make([]pendingBlock, 0, blocksPerWrite)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := s.write(ctx, func(tx *sql.Tx) error {
			insert, err := tx.PrepareContext(ctx, `INSERT INTO user_blocks
				(tenant_id, generation, filter, block, last_sort_key, last_id, users, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer insert.Close()
			for _, b := range pending {
				if _, err := insert.ExecContext(ctx, tenantID, generation, int64(b.filter), b.n, b.last.SortKey, b.last.ID, b.users, b.data); err != nil {
					return err
				}
			}
			return nil
		})
		pending = pending[:0]
		return err
	}
	filters := secusers.BlockFilters()
	builders := make([]*secusers.BlockBuilder, len(filters))
	for i, mask := range filters {
		builders[i] = secusers.NewBlockBuilder(func(n int64, last secusers.UserKey, users int, data []byte) error {
			pending = append(pending, pendingBlock{mask, n, last, users, bytes.Clone(data)})
			if len(pending) < blocksPerWrite {
				return nil
			}
			return flush()
		})
	}
	// The users are read blockReadBatch at a time after the last one read,
	// each batch a short read of its own: one read held open over a large
	// tenant would keep SQLite from checkpointing the WAL the blocks go
	// to, and every commit would grow slower (seconds at a million users).
	var after *secusers.UserKey
	for {
		var batch []secusers.PageUser
		err := s.read(ctx, func(tx *sql.Tx) error {
			args := append([]any{tenantID, generation}, userRangeArgs(secusers.AllStatusBits, after)...)
			rows, err := tx.QueryContext(ctx, `SELECT `+pageColumns+userRange(after)+` ORDER BY sort_key, id LIMIT ?`,
				append(args, blockReadBatch)...)
			if err != nil {
				return err
			}
			batch, err = collect(rows, scanPageUser)
			return err
		})
		if err != nil {
			return fmt.Errorf("build the blocks: %w", err)
		}
		for _, u := range batch {
			for i, mask := range filters {
				if u.Status.Intersects(mask) {
					if err := builders[i].Add(u); err != nil {
						return fmt.Errorf("build the blocks: %w", err)
					}
				}
			}
		}
		if len(batch) < blockReadBatch {
			break
		}
		after = &batch[len(batch)-1].Key
	}
	var err error
	for _, b := range builders {
		if err == nil {
			err = b.Flush()
		}
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("build the blocks: %w", err)
	}
	return nil
}

// blockReadBatch is how many users one read of a block build returns:
// about 2.5 MB of them.
const blockReadBatch = 5000

// blocksPerWrite is how many blocks one transaction writes: about 750 KB.
const blocksPerWrite = 16

// pendingBlock is a built block waiting for its transaction.
type pendingBlock struct {
	filter secusers.StatusSet
	n      int64
	last   secusers.UserKey
	users  int
	data   []byte
}

// errPageComplete stops a read of blocks that has the page.
var errPageComplete = errors.New("the page is complete")

// The reads of a page from blocks, each one statement: the tenant's users
// version, its blocks' version and the filter's count, with the blocks that
// hold the page, one row per block (one row with a NULL block when none is
// read). The blocks are read only when they were built at the users
// version. Parameters: ?1 tenant, ?2 filter, then the blocks.
const (
	blockHead = `SELECT t.users_version, t.blocks_version,
		(SELECT coalesce(sum(users), 0) FROM user_status_counts
			WHERE tenant_id = t.id AND generation = t.users_version AND (status & ?2) != 0),
		b.data
	FROM tenants AS t LEFT JOIN user_blocks AS b
		ON b.tenant_id = t.id AND b.generation = t.users_version AND b.filter = ?2 AND t.blocks_version = t.users_version AND `
	blockTail = `
	WHERE t.id = ?1
	ORDER BY b.block`

	// blocksQuery reads the filter's blocks ?3 to ?4.
	blocksQuery = blockHead + `b.block BETWEEN ?3 AND ?4` + blockTail

	// blocksAfterQuery reads blocks from the first whose last user comes
	// after position (?3, ?4), the one that holds the first user after it;
	// none when no user does. It reads ?5 blocks (secusers.BlocksAfter), one
	// fewer when the position is a block's last user, as it is for every
	// page of a nextLink walk of the default size: the next block then
	// starts exactly after it. (The driver copies every column of a row it
	// steps to, so a block read is a block copied.)
	blocksAfterQuery = `WITH current (generation) AS (SELECT users_version FROM tenants WHERE id = ?1),
		start (block) AS (SELECT block FROM user_blocks
			WHERE tenant_id = ?1 AND generation = (SELECT generation FROM current) AND filter = ?2 AND (last_sort_key, last_id) > (?3, ?4)
			ORDER BY last_sort_key, last_id LIMIT 1)
	` + blockHead + `b.block BETWEEN (SELECT block FROM start) AND (SELECT block FROM start) + ?5 - 1
		- (SELECT count(*) FROM user_blocks WHERE tenant_id = ?1 AND generation = (SELECT generation FROM current)
			AND filter = ?2 AND last_sort_key = ?3 AND last_id = ?4)` + blockTail
)

// blockPage reads q's page from the blocks of filter mask in tx, when they
// are current; FromBlocks tells. NotFound when the tenant does not exist.
func (s *Store) blockPage(ctx context.Context, tx *sql.Tx, tenantID string, mask secusers.StatusSet, q secusers.UserQuery) (secusers.UserPage, error) {
	first, last, skip, known := secusers.BlocksToRead(q)
	query, args := blocksQuery, []any{tenantID, int64(mask), first, last}
	after := (*secusers.UserKey)(nil)
	if !known {
		skip, after = int(q.Offset), q.After
		query, args = blocksAfterQuery, []any{tenantID, int64(mask), q.After.SortKey, q.After.ID, secusers.BlocksAfter(q)}
	}
	stmt, err := s.statement(ctx, tx, query)
	if err != nil {
		return secusers.UserPage{}, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return secusers.UserPage{}, err
	}
	var page secusers.UserPage
	var blocksVersion int64
	users := make([]secusers.PageUser, 0, secusers.BlockUsers(q))
	found := false
	err = eachRow(rows, func(row scanner) error {
		if found && after != nil && secusers.PageComplete(users, after, skip, q.Limit) {
			return errPageComplete // the blocks left are not needed
		}
		// RawBytes keeps the copy the driver makes of the block
		// (modernc's conn.columnBlob allocates it per row) instead of
		// cloning it again: the page's users point into it, and a block
		// is most of a page's garbage. TestBlockBytesOutliveTheirRow
		// fails if a driver upgrade starts reusing that memory.
		var data sql.RawBytes
		if err := row.Scan(&page.Version, &blocksVersion, &page.Total, &data); err != nil {
			return err
		}
		found = true
		users, err = secusers.DecodeBlock(users, data)
		return err
	})
	if errors.Is(err, errPageComplete) {
		err = nil
	}
	switch {
	case err != nil:
		return secusers.UserPage{}, err
	case !found:
		return secusers.UserPage{}, secusers.Missing("tenant", tenantID)
	}
	if page.FromBlocks = blocksVersion == page.Version; page.FromBlocks {
		page.Users = secusers.PageFromBlocks(users, after, skip, q.Limit)
	}
	return page, nil
}
