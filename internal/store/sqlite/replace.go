package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"strconv"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// ReplaceUsers does what secusers.Store.ReplaceUsers says: the users are
// written as a new generation of the tenant (see generation), so the
// sequence may take its time; no transaction is open while it does.
func (s *Store) ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (secusers.Replacement, error) {
	return s.replaceUsers(ctx, tenantID, users, secusers.Importing)
}

// SyncUsers replaces the tenant's users as ReplaceUsers does, keeping for
// every user still present what belongs to the partner. Only the users that
// carry partner fields are remembered, so memory follows the test users, not
// the tenant's size.
func (s *Store) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	r, err := s.replaceUsers(ctx, tenantID, users, secusers.Syncing)
	return r.After, err
}

// replaceUsers is ReplaceUsers and SyncUsers, which differ only in what
// the domain says of mode: one loop, so that a fix to it reaches both.
//
// It begins a generation, writes the users writeChunk at a time, each
// chunk in one transaction, and makes the generation current; any failure
// on the way discards the generation, which readers never saw. The
// sequence is pulled between those transactions, never inside one.
func (s *Store) replaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error], mode secusers.Replacing) (secusers.Replacement, error) {
	g, err := s.beginGeneration(ctx, tenantID, mode)
	if err != nil {
		return secusers.Replacement{}, err
	}
	seq := users
	if mode.KeepsPartnerFields() {
		seq = secusers.KeepingPartnerFields(users, g.kept)
	}
	n, err := g.writeAll(ctx, seq)
	if err == nil {
		err = g.commit(ctx, mode, n)
	}
	if err != nil {
		g.discard(ctx)
		return secusers.Replacement{}, err
	}
	g.cleanUp(ctx)
	return secusers.Replacement{Before: int(g.before), After: n}, nil
}

// generation is one replacement of a tenant's users in progress.
type generation struct {
	s        *Store
	tenantID string
	number   int64
	// before is how many users the current generation had when this one
	// began.
	before int64
	// kept are the current generation's users that carry partner fields,
	// for a sync.
	kept   []secusers.User
	counts map[secusers.StatusSet]int64
	// start is the 1-based position of the next chunk's first user.
	start int
}

// beginGeneration gives the tenant's next generation its number and
// records it begun; NotFound for an unknown tenant. What it needs of the
// current generation (its size; for a sync, the users that carry partner
// fields, a scan of the tenant's users) is read first, from a snapshot,
// outside the write lock.
func (s *Store) beginGeneration(ctx context.Context, tenantID string, mode secusers.Replacing) (*generation, error) {
	g := &generation{s: s, tenantID: tenantID, counts: make(map[secusers.StatusSet]int64), start: 1}
	err := s.read(ctx, func(tx *sql.Tx) error {
		current, err := usersVersion(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT coalesce(sum(users), 0) FROM user_status_counts
			WHERE tenant_id = ? AND generation = ?`, tenantID, current).Scan(&g.before)
		if err != nil || !mode.KeepsPartnerFields() {
			return err
		}
		g.kept, err = partnerFields(ctx, tx, tenantID, current)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE tenants SET last_generation = last_generation + 1 WHERE id = ?
			RETURNING last_generation`, tenantID).Scan(&g.number)
		if errors.Is(err, sql.ErrNoRows) {
			return secusers.Missing("tenant", tenantID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO generations (tenant_id, generation, started_at) VALUES (?, ?, ?)`,
			tenantID, g.number, s.stamp().UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// partnerFields reads the users of the tenant's generation that carry
// partner fields (the TestUser bit, a startDate or an endDate).
func partnerFields(ctx context.Context, tx *sql.Tx, tenantID string, generation int64) ([]secusers.User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, status, start_date, end_date FROM users
		WHERE tenant_id = ? AND generation = ? AND ((status & ?) <> 0 OR start_date <> 0 OR end_date <> 0)`,
		tenantID, generation, int64(secusers.TestUserBit))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (secusers.User, error) {
		var u secusers.User
		return u, row.Scan(&u.ID, &u.Status, &u.StartDate, &u.EndDate)
	})
}

// writeAll validates and writes the sequence's users, a chunk a
// transaction, and returns how many it wrote. The sequence's own error is
// returned untouched.
func (g *generation) writeAll(ctx context.Context, seq iter.Seq2[secusers.User, error]) (int, error) {
	chunk := make([]secusers.User, 0, writeChunk)
	n := 0
	for u, err := range seq {
		if err != nil {
			return 0, err
		}
		n++
		if err := u.ValidateAt(n); err != nil {
			return 0, err
		}
		if chunk = append(chunk, u); len(chunk) == cap(chunk) {
			if err := g.write(ctx, chunk); err != nil {
				return 0, err
			}
			chunk = chunk[:0]
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n, g.write(ctx, chunk)
}

// write inserts a chunk of the generation's users in one transaction. A
// repeated id fails on the unique index, at the user that repeats it.
func (g *generation) write(ctx context.Context, chunk []secusers.User) error {
	if len(chunk) == 0 {
		return nil
	}
	err := g.s.write(ctx, func(tx *sql.Tx) error {
		if err := g.stillBegun(ctx, tx); err != nil {
			return err
		}
		insert, err := tx.PrepareContext(ctx, insertUser)
		if err != nil {
			return err
		}
		defer insert.Close()
		for i, u := range chunk {
			args, err := userArgs(g.tenantID, g.number, u)
			if err != nil {
				return err
			}
			_, err = insert.ExecContext(ctx, args...)
			if err = translate(err, "user "+u.ID); secusers.IsKind(err, secusers.Conflict) {
				return secusers.DuplicateUserID(g.start+i, u.ID)
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range chunk {
		g.counts[u.Status]++
	}
	g.start += len(chunk)
	return nil
}

// stillBegun fails with Superseded when the generation's record is gone:
// a later replacement became current and discarded it.
func (g *generation) stillBegun(ctx context.Context, tx *sql.Tx) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM generations WHERE tenant_id = ? AND generation = ?`,
		g.tenantID, g.number).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return secusers.Superseded(g.tenantID, g.number)
	}
	return err
}

// maxRecompares bounds how often commit compares again after an older
// replacement of the tenant became current while it compared.
const maxRecompares = 3

// commit records the generation's counts, builds its blocks, records its
// changes against the current generation, and makes it current. n is how
// many users it has.
func (g *generation) commit(ctx context.Context, mode secusers.Replacing, n int) error {
	err := g.s.write(ctx, func(tx *sql.Tx) error {
		for status, users := range g.counts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_status_counts (tenant_id, generation, status, users)
				VALUES (?, ?, ?, ?)`, g.tenantID, g.number, int64(status), users); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := g.s.buildBlocks(ctx, g.tenantID, g.number); err != nil {
		return err
	}
	for range maxRecompares {
		base, err := g.current(ctx)
		if err != nil {
			return err
		}
		if base > g.number {
			return secusers.Superseded(g.tenantID, g.number)
		}
		if err := g.s.recordChanges(ctx, g.tenantID, g.number, base); err != nil {
			return err
		}
		done, err := g.makeCurrent(ctx, mode, base, n)
		if done || err != nil {
			return err
		}
	}
	return secusers.Superseded(g.tenantID, g.number)
}

// current returns the tenant's current generation.
func (g *generation) current(ctx context.Context) (int64, error) {
	var current int64
	err := g.s.read(ctx, func(tx *sql.Tx) error {
		var err error
		current, err = usersVersion(ctx, tx, g.tenantID)
		return err
	})
	return current, err
}

// makeCurrent makes the generation current in one transaction, if the
// current one is still base, which its changes were recorded against: it
// gives the generation the feed's next seq, and records the tenant's point
// of the day and, for an import, the audit event. It reports false, having
// deleted the changes, when another generation became current meanwhile.
func (g *generation) makeCurrent(ctx context.Context, mode secusers.Replacing, base int64, n int) (bool, error) {
	done := false
	err := g.s.write(ctx, func(tx *sql.Tx) error {
		if err := g.stillBegun(ctx, tx); err != nil {
			return err
		}
		current, err := usersVersion(ctx, tx, g.tenantID)
		switch {
		case err != nil:
			return err
		case current > g.number:
			return secusers.Superseded(g.tenantID, g.number)
		case current != base:
			_, err := tx.ExecContext(ctx, `DELETE FROM user_changes WHERE tenant_id = ? AND generation = ?`, g.tenantID, g.number)
			return err
		}
		now := g.s.stamp()
		var seq int64
		if err := tx.QueryRowContext(ctx, `UPDATE change_feed SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE generations SET current_at = ?, seq = ? WHERE tenant_id = ? AND generation = ?`,
			now.UnixMilli(), seq, g.tenantID, g.number); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tenants SET users_version = ?1, blocks_version = ?1 WHERE id = ?2`,
			g.number, g.tenantID); err != nil {
			return err
		}
		counts, security := secusers.CountsOf(g.counts)
		if _, err := tx.ExecContext(ctx, `INSERT INTO history_points (tenant_id, day, generation, security_users, counts)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, day) DO UPDATE SET generation = excluded.generation,
				security_users = excluded.security_users, counts = excluded.counts`,
			g.tenantID, secusers.DayNumber(now), g.number, security, secusers.EncodeCounts(counts)); err != nil {
			return err
		}
		done = true
		if !mode.Audited() {
			return nil
		}
		return g.s.audit(ctx, tx, secusers.AuditTenantImport, g.tenantID,
			secusers.Replacement{Before: int(g.before), After: n}.Detail())
	})
	return done, err
}

// writeChunk is how many users a replacement writes per transaction. A
// commit writes every page the transaction dirtied, and the inserts of a
// chunk land at random places in users_by_id and users_in_order: a larger
// chunk shares more of those pages between the rows of one commit. Measured
// by BenchmarkSyncFull (a first sync, then a day later): at 100,000 users
// 4,000 took 9.7–10.5 s and 14.8–16.3 s against 11.3–11.9 s and 18.4–19.3 s
// for 1,000 to 3,000 (the machine's noise is as large as the differences
// among those three); at a million users, 3,000 took 175 s for a first sync
// (192 s with 1,000, another day) and its longest transaction was 0.54 s,
// while 4,000's was 0.65 s on a quiet machine and 1.05 s on a busy one: too
// close to the second that SQLite's other writers may wait.
const writeChunk = 3 * secusers.GenerationChunk

// cleanupBatch is how many rows one cleanup transaction deletes: enough to
// make progress, few enough to keep the write lock for milliseconds.
const cleanupBatch = 1000

// cleanupGrace is how long the cleanup after a replacement failed or
// completed goes on once the caller's context has ended (a cancelled run
// still discards what it wrote); while the context lasts, it runs to the
// end (secusers.Housekeeping): a fixed bound cut the deletion of a
// million-user generation short, and each day's run left more behind. What
// it does not finish, the next replacement's cleanup does.
const cleanupGrace = time.Minute

// discard deletes everything the generation wrote. Readers never saw it.
func (g *generation) discard(ctx context.Context) {
	ctx, cancel := secusers.Housekeeping(ctx, cleanupGrace)
	defer cancel()
	err := g.s.deleteGeneration(ctx, g.tenantID, "generation = ?", g.number)
	if err == nil {
		err = g.s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM generations WHERE tenant_id = ? AND generation = ?`, g.tenantID, g.number)
			return err
		})
	}
	if err != nil {
		g.s.logger.Warn("a failed replacement's generation is left for the next one to delete",
			"tenant", g.tenantID, "generation", g.number, "error", err)
	}
}

// cleanUp deletes, after the generation became current, the users, counts
// and blocks of the tenant's older generations, and the changes and records
// of those that never became current (failed or killed replacements). The
// changes of generations that were current are history and stay.
func (g *generation) cleanUp(ctx context.Context) {
	ctx, cancel := secusers.Housekeeping(ctx, cleanupGrace)
	defer cancel()
	err := g.s.deleteGeneration(ctx, g.tenantID, "generation < ?", g.number)
	if err == nil {
		err = g.s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM user_changes WHERE tenant_id = ?1 AND generation IN (
				SELECT generation FROM generations WHERE tenant_id = ?1 AND generation < ?2 AND current_at IS NULL)`,
				g.tenantID, g.number)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM generations WHERE tenant_id = ? AND generation < ? AND current_at IS NULL`,
				g.tenantID, g.number)
			return err
		})
	}
	if err != nil {
		g.s.logger.Warn("older generations are left for the next replacement to delete",
			"tenant", g.tenantID, "generation", g.number, "error", err)
	}
}

// deleteGeneration deletes the users, counts and blocks of the tenant's
// generations that match which (a condition on generation with one
// parameter, arg), and the changes of a discarded one, in batches.
func (s *Store) deleteGeneration(ctx context.Context, tenantID, which string, arg int64) error {
	for _, del := range []string{
		`DELETE FROM users WHERE rowid IN (SELECT rowid FROM users WHERE tenant_id = ? AND ` + which + ` LIMIT ` + strconv.Itoa(cleanupBatch) + `)`,
		// A block is about 48 KB: fewer of them make a batch.
		`DELETE FROM user_blocks WHERE rowid IN (SELECT rowid FROM user_blocks WHERE tenant_id = ? AND ` + which + ` LIMIT ` + strconv.Itoa(cleanupBatch/25) + `)`,
		`DELETE FROM user_status_counts WHERE tenant_id = ? AND ` + which,
	} {
		if err := s.deleteInBatches(ctx, del, tenantID, arg); err != nil {
			return err
		}
	}
	if which == "generation = ?" {
		return s.deleteInBatches(ctx, `DELETE FROM user_changes WHERE (tenant_id, generation, ordinal) IN (
			SELECT tenant_id, generation, ordinal FROM user_changes WHERE tenant_id = ? AND generation = ? LIMIT `+strconv.Itoa(cleanupBatch)+`)`, tenantID, arg)
	}
	return nil
}

// deleteInBatches runs a bounded delete, each in its own transaction, until
// it deletes nothing.
func (s *Store) deleteInBatches(ctx context.Context, del string, args ...any) error {
	for {
		var n int64
		err := s.write(ctx, func(tx *sql.Tx) error {
			var err error
			n, err = affected(tx.ExecContext(ctx, del, args...))
			return err
		})
		if err != nil || n == 0 {
			return err
		}
	}
}
