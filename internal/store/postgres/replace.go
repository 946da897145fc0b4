package postgres

import (
	"context"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// ReplaceUsers does what secusers.Store.ReplaceUsers says. Bumping the
// tenant's users version locks the tenant's row, so replacements of one
// tenant queue. The users go in with one COPY, consumed while it runs: pgx
// sends the rows in 64 KB chunks as the sequence yields them, so no more
// than a chunk of rows is held. What grows with the count is the set of ids
// seen, 16 bytes each (20 to 40 MB for a million users, with the map's
// overhead), which finds a repeated id; a refused user stops the COPY.
func (s *Store) ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (secusers.Replacement, error) {
	return s.replaceUsers(ctx, tenantID, users, secusers.Importing)
}

// replaceUsers is ReplaceUsers and SyncUsers, which differ only in what
// the domain says of mode: one COPY, so that a fix to it reaches both.
func (s *Store) replaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error], mode secusers.Replacing) (secusers.Replacement, error) {
	var src *userSource
	var before int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		seq, err := usersToWrite(ctx, tx, tenantID, users, mode)
		if err != nil {
			return err
		}
		if before, err = clearUsers(ctx, tx, tenantID); err != nil {
			return err
		}
		src = newUserSource(tenantID, seq)
		defer src.stop()
		if err := copyUsers(ctx, tx, src); err != nil {
			return err
		}
		if mode.Audited() {
			detail := secusers.Replacement{Before: int(before), After: src.n}.Detail()
			if err := audit(ctx, tx, s.stamp(), secusers.AuditTenantImport, tenantID, detail); err != nil {
				return err
			}
		}
		if err := analyzeAfterBulk(ctx, tx, src.n); err != nil {
			return err
		}
		return buildBlocks(ctx, tx, tenantID)
	})
	if src != nil && src.seqErr != nil {
		// Returned untouched: translate must not reinterpret the caller's
		// own error.
		return secusers.Replacement{}, src.seqErr
	} else if err != nil {
		return secusers.Replacement{}, err
	}
	return secusers.Replacement{Before: int(before), After: src.n}, nil
}

// copyUsers streams the source's users into the table with one COPY and
// records how many have each status set.
func copyUsers(ctx context.Context, tx pgx.Tx, src *userSource) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, copyColumns, src)
	if src.err != nil {
		// What stopped the COPY, rather than COPY's report of it.
		return src.err
	}
	if err != nil {
		return err
	}
	return insertCounts(ctx, tx, src.tenantID, src.counts)
}

// clearUsers bumps the tenant's users version, which takes the tenant's row
// lock and fails with NotFound for an unknown tenant, then deletes the
// tenant's users, their counts and their blocks. It returns how many users it deleted.
func clearUsers(ctx context.Context, tx pgx.Tx, tenantID string) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE tenants SET users_version = users_version + 1 WHERE id = $1`, tenantID)
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() == 0 {
		return 0, secusers.Missing("tenant", tenantID)
	}
	if tag, err = tx.Exec(ctx, `DELETE FROM users WHERE tenant_id = $1`, tenantID); err != nil {
		return 0, err
	}
	if _, err = tx.Exec(ctx, `DELETE FROM user_status_counts WHERE tenant_id = $1`, tenantID); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `DELETE FROM user_blocks WHERE tenant_id = $1`, tenantID)
	return tag.RowsAffected(), err
}

// insertCounts records how many of the tenant's users have each status set,
// in one statement.
func insertCounts(ctx context.Context, tx pgx.Tx, tenantID string, counts map[secusers.StatusSet]int64) error {
	statuses := make([]int32, 0, len(counts))
	users := make([]int64, 0, len(counts))
	for status, n := range counts {
		statuses = append(statuses, int32(status))
		users = append(users, n)
	}
	_, err := tx.Exec(ctx, `INSERT INTO user_status_counts (tenant_id, status, users)
		SELECT $1, c.status, c.users FROM unnest($2::integer[], $3::bigint[]) AS c (status, users)`,
		tenantID, statuses, users)
	return err
}

// bulkAnalyzeThreshold is the size of a replacement after which the users
// table's statistics are refreshed in the same transaction.
const bulkAnalyzeThreshold = 10_000

// analyzeAfterBulk refreshes the planner's statistics of the users table
// after a large replacement. Autovacuum may be off or late (it is off on the
// CI machine), and without statistics the planner misjudges a million-user
// tenant by orders of magnitude: the load harness saw the anchor query of a
// deep page take minutes instead of a second. ANALYZE samples a bounded
// number of rows, so its cost does not grow with the table.
func analyzeAfterBulk(ctx context.Context, tx pgx.Tx, n int) error {
	if n < bulkAnalyzeThreshold {
		return nil
	}
	_, err := tx.Exec(ctx, `ANALYZE users`)
	return err
}
