package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// ReplaceUsers does what secusers.Store.ReplaceUsers says. The sequence is
// consumed while the transaction holds the database's write lock, so it
// should come from memory or a local file, not from the network.
//
// A large replacement takes the bulk path (see replacement.maybeBulk): the
// same transaction, with the users' indexes built anew at the end instead
// of updated row by row. On that path a repeated id is found at the end,
// after the whole sequence is read.
func (s *Store) ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (secusers.Replacement, error) {
	return s.replaceUsers(ctx, tenantID, users, secusers.Importing)
}

// replaceUsers is ReplaceUsers and SyncUsers, which differ only in what
// the domain says of mode: one loop, so that a fix to it reaches both.
func (s *Store) replaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error], mode secusers.Replacing) (secusers.Replacement, error) {
	var n int
	var before int64
	var seqErr error
	err := s.write(ctx, func(tx *sql.Tx) error {
		seq, err := usersToWrite(ctx, tx, tenantID, users, mode)
		if err != nil {
			return err
		}
		r, err := s.beginReplacement(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		defer r.insert.Close()
		before = r.before
		for u, err := range seq {
			if err != nil {
				seqErr = err
				return err
			}
			n++
			if err := r.add(ctx, n, u); err != nil {
				return err
			}
		}
		if err := r.finish(ctx); err != nil || !mode.Audited() {
			return err
		}
		return s.audit(ctx, tx, secusers.AuditTenantImport, tenantID,
			secusers.Replacement{Before: int(before), After: n}.Detail())
	})
	switch {
	case seqErr != nil:
		// Returned untouched: translate must not reinterpret the
		// caller's own error.
		return secusers.Replacement{}, seqErr
	case err != nil:
		return secusers.Replacement{}, err
	}
	return secusers.Replacement{Before: int(before), After: n}, nil
}

// replacement is one ReplaceUsers in progress, inside its transaction.
type replacement struct {
	s        *Store
	tx       *sql.Tx
	tenantID string
	before   int64 // the tenant's users before the replacement
	insert   *sql.Stmt
	counts   map[secusers.StatusSet]int64
	// firstRowid is the rowid of the first user inserted: SQLite gives an
	// inserted row one more than the largest rowid in the table, so the
	// n-th user gets firstRowid+n-1.
	firstRowid int64
	// bulk is set once the users' indexes are dropped; indexes holds their
	// CREATE statements, to run at the end, the UNIQUE ones first.
	bulk    bool
	indexes []string
}

// beginReplacement bumps the tenant's users version (NotFound for an unknown
// tenant), decides from the tenant's current size whether to start on the
// bulk path, and deletes the tenant's users.
func (s *Store) beginReplacement(ctx context.Context, tx *sql.Tx, tenantID string) (*replacement, error) {
	res, err := tx.ExecContext(ctx, `UPDATE tenants SET users_version = users_version + 1 WHERE id = ?`, tenantID)
	if n, err := affected(res, err); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, secusers.Missing("tenant", tenantID)
	}
	r := &replacement{s: s, tx: tx, tenantID: tenantID, counts: make(map[secusers.StatusSet]int64)}
	err = tx.QueryRowContext(ctx,
		`SELECT coalesce(sum(users), 0) FROM user_status_counts WHERE tenant_id = ?`, tenantID).Scan(&r.before)
	if err != nil {
		return nil, err
	}
	// On the bulk path the old users are deleted after the indexes are
	// dropped: one pass over the table in rowid order instead of a lookup
	// in each index per user.
	if err := r.maybeBulk(ctx, r.before); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = ?`, tenantID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_status_counts WHERE tenant_id = ?`, tenantID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_blocks WHERE tenant_id = ?`, tenantID); err != nil {
		return nil, err
	}
	err = tx.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) + 1 FROM users`).Scan(&r.firstRowid)
	if err != nil {
		return nil, err
	}
	if r.insert, err = tx.PrepareContext(ctx, insertUser); err != nil {
		return nil, err
	}
	return r, nil
}

// add validates and inserts the n-th user. Off the bulk path, the unique
// index makes a repeated id fail here; it is the caller's mistake.
func (r *replacement) add(ctx context.Context, n int, u secusers.User) error {
	if err := u.ValidateAt(n); err != nil {
		return err
	}
	args, err := userArgs(r.tenantID, u)
	if err != nil {
		return err
	}
	_, err = r.insert.ExecContext(ctx, args...)
	if err = translate(err, "user "+u.ID); secusers.IsKind(err, secusers.Conflict) {
		return secusers.DuplicateUserID(n, u.ID)
	} else if err != nil {
		return err
	}
	r.counts[u.Status]++
	// Checking at bulkMin and its doublings costs a few sums per
	// replacement and switches by the time the tenant is at most twice
	// as large as it had to be.
	if m := r.s.bulkMin; m > 0 && int64(n) >= m && int64(n)%m == 0 && isPowerOfTwo(int64(n)/m) {
		return r.maybeBulk(ctx, int64(n))
	}
	return nil
}

// finish records the status counts, rebuilds the indexes a bulk
// replacement dropped, and builds the tenant's blocks.
func (r *replacement) finish(ctx context.Context) error {
	for status, users := range r.counts {
		_, err := r.tx.ExecContext(ctx,
			`INSERT INTO user_status_counts (tenant_id, status, users) VALUES (?, ?, ?)`,
			r.tenantID, int64(status), users)
		if err != nil {
			return err
		}
	}
	for _, create := range r.indexes {
		_, err := r.tx.ExecContext(ctx, create)
		if secusers.IsKind(translate(err, ""), secusers.Conflict) {
			return r.firstRepeat(ctx, err)
		}
		if err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	return buildBlocks(ctx, r.tx, r.tenantID)
}

// firstRepeat reports the repeated id that made a UNIQUE index fail to
// build as the row-by-row path would have: the first user, in the
// sequence's order, whose id an earlier user has. It is the bulk path's
// error path only, and indexes the ids to find it, which the failed
// transaction then throws away.
func (r *replacement) firstRepeat(ctx context.Context, cause error) error {
	if _, err := r.tx.ExecContext(ctx, `CREATE INDEX users_repeated_ids ON users (tenant_id, id)`); err != nil {
		return err
	}
	var rowid int64
	var id string
	err := r.tx.QueryRowContext(ctx, `SELECT rowid, id FROM users AS u
		WHERE tenant_id = ?1 AND rowid >= ?2 AND EXISTS (
			SELECT 1 FROM users AS e WHERE e.tenant_id = ?1 AND e.id = u.id AND e.rowid < u.rowid)
		ORDER BY rowid LIMIT 1`, r.tenantID, r.firstRowid).Scan(&rowid, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return cause // not the tenant's ids, then: not the caller's mistake
	}
	if err != nil {
		return err
	}
	return secusers.DuplicateUserID(int(rowid-r.firstRowid+1), id)
}

// maybeBulk switches to the bulk path when the tenant has (or is getting)
// at least bulkMin users and they are a large enough share of all users.
//
// Updating an index row by row costs a B-tree descent to a random leaf per
// user (the input comes in no useful order), and a million users' random
// leaves do not stay in the writer's cache. Without indexes the old users
// go in one pass over the table and the new ones are appended; building an
// index then sorts every user of every tenant once and writes its leaves in
// order. That is much cheaper per row, but is paid for the other tenants'
// users too: hence the share. Dropping and creating the indexes inside the
// transaction keeps the change invisible to readers, whose snapshots have
// the old indexes until the commit and the new ones after it.
func (r *replacement) maybeBulk(ctx context.Context, tenantUsers int64) error {
	if r.bulk || r.s.bulkMin <= 0 || tenantUsers < r.s.bulkMin {
		return nil
	}
	var others int64
	err := r.tx.QueryRowContext(ctx,
		`SELECT coalesce(sum(users), 0) FROM user_status_counts WHERE tenant_id != ?`, r.tenantID).Scan(&others)
	if err != nil {
		return err
	}
	if tenantUsers*r.s.bulkShare < others {
		return nil
	}
	return r.goBulk(ctx)
}

// defaultBulkMin is the smallest tenant that takes the bulk path. Smaller
// replacements stay row by row: they change no schema (after a schema
// change every connection prepares its statements again) and are quick
// anyway. From here up the bulk path is faster: 1.7 times at 100,000 users,
// 2.5 to 5 times at 1,000,000 (BenchmarkStore/ReplaceUsers).
const defaultBulkMin = 100_000

// defaultBulkShare bounds the other tenants' users a rebuild may sort: at
// most bulkShare times the replaced tenant's users. Building both indexes
// costs about 7 to 10 µs per user in the table; updating them row by row
// costs a large tenant 50 to 100 µs per user replaced, so 4 leaves a wide
// margin.
const defaultBulkShare = 4

func isPowerOfTwo(n int64) bool { return n > 0 && n&(n-1) == 0 }

// goBulk drops the users' indexes, keeping their definitions
// (read from the schema, so that they follow the migrations) to recreate
// them at the end.
//
// The bulk path leaves the writer's page cache as it is: it deletes in one
// pass and appends to a table without indexes, so it writes each page about
// once. Raising the cache did not pay even when the bulk path still kept
// the primary key and inserted into it at random (measured at 300,000 and
// 1,000,000 users, 256 MiB and 1 GiB): every cached page is a separate
// allocation, an 8 KiB slot in the pure-Go driver's allocator for a 4 KiB
// page, which shrinking the cache afterwards frees one by one, and keeping
// the cache large would hold the memory for good. An in-memory temp_store
// made the index builds' sorts slower, not faster.
func (r *replacement) goBulk(ctx context.Context) error {
	r.bulk = true
	// UNIQUE first: a repeated id then fails before the other index is
	// built for nothing.
	rows, err := r.tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL
		ORDER BY sql LIKE 'CREATE UNIQUE %' DESC, name`)
	if err != nil {
		return err
	}
	type index struct{ name, create string }
	indexes, err := collect(rows, func(row scanner) (index, error) {
		var i index
		return i, row.Scan(&i.name, &i.create)
	})
	if err != nil {
		return err
	}
	for _, i := range indexes {
		if _, err := r.tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(i.name, `"`, `""`)+`"`); err != nil {
			return err
		}
		r.indexes = append(r.indexes, i.create)
	}
	return nil
}
