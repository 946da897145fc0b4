package postgres

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// ReplaceUsers does what secusers.Store.ReplaceUsers says: it writes the
// users as a new generation of the tenant and makes it current
// (replaceUsers).
func (s *Store) ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (secusers.Replacement, error) {
	return s.replaceUsers(ctx, tenantID, users, secusers.Importing)
}

// generation is a replacement of a tenant's users in the making: a new
// generation, written beside the current one in short transactions
// (spec/sync.md, "Writing a run: generations"), and what the replacement
// knows of it in memory.
type generation struct {
	s        *Store
	tenantID string
	mode     secusers.Replacing
	// number is the generation's number, given when it began
	// (tenants.last_generation).
	number int64
	// users counts the users written, and each status set's.
	users  int
	counts map[secusers.StatusSet]int64
	// ordinal is the number of the last user_changes row written.
	ordinal int64
}

// The bounds of a replacement's housekeeping.
const (
	// deleteBatch is how many rows one statement of a cleanup deletes:
	// enough that a million-user generation goes in a few hundred
	// statements, few enough that each is short.
	deleteBatch = 5000
	// housekeepingGrace is how long the cleanup after a flip and the
	// delete of a failed generation go on once the caller's context has
	// ended (it often has, for a failed one); while it lasts, they run to
	// the end (secusers.Housekeeping). What they leave is garbage until
	// the next replacement of the tenant deletes it.
	housekeepingGrace = 5 * time.Minute
	// flipAttempts is how often a replacement compares itself with the
	// current generation and tries to make itself current, when another
	// replacement, begun before it, keeps becoming current first.
	flipAttempts = 3
)

// replaceUsers is ReplaceUsers and SyncUsers, which differ only in what the
// domain says of mode: one path, so that a fix to it reaches both. It
// begins a generation, writes the sequence's users into it a chunk a
// transaction, writes its counts and blocks, records its changes against
// the current generation and makes it current; then deletes the
// generations before it. No transaction is open while the sequence yields,
// which may take as long as Graph's paging does. On any failure the new
// generation is deleted and the tenant is as it was; the sequence's own
// error is returned untouched.
func (s *Store) replaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error], mode secusers.Replacing) (secusers.Replacement, error) {
	g, kept, err := s.beginGeneration(ctx, tenantID, mode)
	if err != nil {
		return secusers.Replacement{}, err
	}
	if mode.KeepsPartnerFields() {
		users = secusers.KeepingPartnerFields(users, kept)
	}
	before, err := g.complete(ctx, users)
	if err != nil {
		g.abort(ctx)
		return secusers.Replacement{}, err
	}
	g.cleanup(ctx)
	return secusers.Replacement{Before: int(before), After: g.users}, nil
}

// beginGeneration gives the tenant's next generation its number and
// records it begun, in one short transaction; for a sync it also returns
// the current generation's users that carry partner fields (partnerFields).
// NotFound when the tenant does not exist.
func (s *Store) beginGeneration(ctx context.Context, tenantID string, mode secusers.Replacing) (*generation, []secusers.User, error) {
	g := &generation{s: s, tenantID: tenantID, mode: mode, counts: make(map[secusers.StatusSet]int64)}
	var kept []secusers.User
	err := s.write(ctx, func(tx pgx.Tx) error {
		var current int64
		err := tx.QueryRow(ctx, `UPDATE tenants SET last_generation = last_generation + 1 WHERE id = $1
			RETURNING last_generation, users_version`, tenantID).Scan(&g.number, &current)
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.Missing("tenant", tenantID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO generations (tenant_id, generation, started_at) VALUES ($1, $2, $3)`,
			tenantID, g.number, s.stamp().UnixMilli()); err != nil {
			return err
		}
		if mode.KeepsPartnerFields() {
			kept, err = partnerFields(ctx, tx, tenantID, current)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return g, kept, nil
}

// complete writes the generation and makes it current, and returns how
// many users the generation it replaced had.
func (g *generation) complete(ctx context.Context, users iter.Seq2[secusers.User, error]) (int64, error) {
	if err := g.writeUsers(ctx, users); err != nil {
		return 0, err
	}
	if err := g.writeCounts(ctx); err != nil {
		return 0, err
	}
	if err := g.analyze(ctx); err != nil {
		return 0, err
	}
	if err := g.buildBlocks(ctx); err != nil {
		return 0, err
	}
	before, err := g.makeCurrent(ctx)
	if err == nil {
		g.analyzeRead(ctx)
	}
	return before, err
}

// analyzeRead refreshes, after a large replacement became current, the
// statistics of what a page reads besides the users: the new generation's
// blocks and the tenants' versions. Without them the generic plans of the
// block reads, on a freshly imported tenant, served a nextLink walk at half
// the rate they did once autovacuum had analyzed the tables (load harness:
// 0.25 to 0.37 × the floor, then 0.46 ×). The replacement is complete by
// then, so a failure only leaves the statistics to autovacuum.
func (g *generation) analyzeRead(ctx context.Context) {
	if g.users < bulkAnalyzeThreshold {
		return
	}
	_, _ = g.s.pool.Exec(ctx, `ANALYZE user_blocks, tenants`)
}

// own is the first statement of every transaction that writes the
// generation: it checks that the generation is still begun, and holds its
// row while the transaction writes, so that the cleanup of a later
// replacement that became current first, which deletes the row, waits for
// the transaction and then finds everything it wrote. A generation whose
// row is gone was overtaken: Superseded.
func (g *generation) own(ctx context.Context, tx pgx.Tx) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM generations WHERE tenant_id = $1 AND generation = $2 FOR KEY SHARE`,
		g.tenantID, g.number).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return secusers.Superseded(g.tenantID, g.number)
	}
	return err
}

// writeCounts records how many of the generation's users have each status
// set, in one statement, so that a page's total is a sum over at most 512
// rows instead of a count over every user.
func (g *generation) writeCounts(ctx context.Context) error {
	statuses := make([]int32, 0, len(g.counts))
	users := make([]int64, 0, len(g.counts))
	for status, n := range g.counts {
		statuses = append(statuses, int32(status))
		users = append(users, n)
	}
	return g.s.write(ctx, func(tx pgx.Tx) error {
		if err := g.own(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_status_counts (tenant_id, generation, status, users)
			SELECT $1, $2, c.status, c.users FROM unnest($3::integer[], $4::bigint[]) AS c (status, users)`,
			g.tenantID, g.number, statuses, users)
		return err
	})
}

// bulkAnalyzeThreshold is the size of a replacement after which the users
// table's statistics are refreshed.
const bulkAnalyzeThreshold = 10_000

// analyze refreshes the planner's statistics of the users table after a
// large replacement has written its users, before they are read back for
// the blocks and the comparison, and as the statistics the new generation
// is read with once current. Autovacuum may be off or late (it is off on
// the CI machine), and without statistics the planner misjudges a
// million-user tenant by orders of magnitude: the load harness saw the
// anchor query of a deep page take minutes instead of a second. ANALYZE
// samples a bounded number of rows, so its cost does not grow with the
// table; it covers only the columns the store's statements select or order
// by (and so users_generation_of_tenant), which halves it: the other
// columns' statistics inform no plan. It runs outside the generation's
// transactions: its lock keeps out only another ANALYZE or VACUUM of the
// table, no reader or writer.
func (g *generation) analyze(ctx context.Context) error {
	if g.users < bulkAnalyzeThreshold {
		return nil
	}
	_, err := g.s.pool.Exec(ctx, `ANALYZE users (tenant_id, generation, id, sort_key, status, start_date, end_date)`)
	return translate(err, "")
}

// errBaseMoved is the flip's report that the tenant's current generation is
// no longer the one the changes were recorded against.
var errBaseMoved = errors.New("the tenant's current generation changed while the replacement was compared with it")

// makeCurrent records the generation's changes against the tenant's current
// generation and makes it current. When another replacement, begun before
// this one, became current meanwhile, the changes are recorded again,
// against it. It returns how many users the replaced generation had.
func (g *generation) makeCurrent(ctx context.Context) (int64, error) {
	for attempt := 1; ; attempt++ {
		var base int64
		if err := g.s.pool.QueryRow(ctx, `SELECT users_version FROM tenants WHERE id = $1`, g.tenantID).Scan(&base); err != nil {
			return 0, translate(err, "tenant "+g.tenantID)
		}
		if base > g.number {
			return 0, secusers.Superseded(g.tenantID, g.number)
		}
		if err := g.recordChanges(ctx, base); err != nil {
			return 0, err
		}
		before, err := g.flip(ctx, base)
		if !errors.Is(err, errBaseMoved) {
			return before, err
		}
		if attempt == flipAttempts {
			return 0, secusers.Errorf(secusers.Conflict,
				"tenant %s: other replacements kept becoming current while generation %d was compared with them; try again", g.tenantID, g.number)
		}
		if err := g.deleteRows(ctx, "user_changes", `tenant_id = $1 AND generation = $2`, g.tenantID, g.number); err != nil {
			return 0, err
		}
		g.ordinal = 0
	}
}

// flip makes the generation current, in one short transaction, if the
// tenant's current generation is still base (errBaseMoved otherwise) and
// no later one is (Superseded). The tenant's row lock, taken first, orders
// the flips of one tenant; change_feed's row lock orders every tenant's:
// each flip takes the next seq and holds it until it commits, so seqs
// become visible in order, and a reader that sees a seq sees every change
// up to it. It records the tenant's point of the day and, for an import,
// the audit event, and returns how many users base had: counted here, in
// the transaction that replaces it.
func (g *generation) flip(ctx context.Context, base int64) (int64, error) {
	var before int64
	now := g.s.stamp()
	err := g.s.write(ctx, func(tx pgx.Tx) error {
		var current int64
		if err := tx.QueryRow(ctx, `SELECT users_version FROM tenants WHERE id = $1 FOR UPDATE`, g.tenantID).Scan(&current); err != nil {
			return err
		}
		switch {
		case current > g.number:
			return secusers.Superseded(g.tenantID, g.number)
		case current != base:
			return errBaseMoved
		}
		tag, err := tx.Exec(ctx, `SELECT 1 FROM generations WHERE tenant_id = $1 AND generation = $2 FOR UPDATE`, g.tenantID, g.number)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return secusers.Superseded(g.tenantID, g.number)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(users), 0)::bigint FROM user_status_counts
			WHERE tenant_id = $1 AND generation = $2`, g.tenantID, base).Scan(&before); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRow(ctx, `UPDATE change_feed SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE generations SET current_at = $3, seq = $4 WHERE tenant_id = $1 AND generation = $2`,
			g.tenantID, g.number, now.UnixMilli(), seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tenants SET users_version = $2, blocks_version = $2 WHERE id = $1`, g.tenantID, g.number); err != nil {
			return err
		}
		counts, security := secusers.CountsOf(g.counts)
		if _, err := tx.Exec(ctx, `INSERT INTO history_points (tenant_id, day, generation, security_users, counts)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, day) DO UPDATE SET generation = excluded.generation,
				security_users = excluded.security_users, counts = excluded.counts`,
			g.tenantID, secusers.DayNumber(now), g.number, security, secusers.EncodeCounts(counts)); err != nil {
			return err
		}
		if g.mode.Audited() {
			detail := secusers.Replacement{Before: int(before), After: g.users}.Detail()
			return audit(ctx, tx, now, secusers.AuditTenantImport, g.tenantID, detail)
		}
		return nil
	})
	return before, err
}

// cleanup deletes, after the flip, what the tenant's generations before
// this one leave: the users, counts and blocks of every one of them, and
// the changes and rows of those never made current (a failed, killed or
// overtaken replacement's; one still being written finds its row gone and
// stops). The changes of generations that were current stay: they are the
// tenant's history. Each statement deletes a bounded batch in a
// transaction of its own. A failure is not the replacement's, which is
// current already: it leaves garbage that the next replacement's cleanup
// deletes, as it deletes every generation before its own.
func (g *generation) cleanup(ctx context.Context) {
	ctx, cancel := secusers.Housekeeping(ctx, housekeepingGrace)
	defer cancel()
	rows, err := g.s.pool.Query(ctx, `SELECT generation FROM generations
		WHERE tenant_id = $1 AND generation < $2 AND current_at IS NULL`, g.tenantID, g.number)
	if err != nil {
		return
	}
	abandoned, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return
	}
	for _, n := range abandoned {
		// The changes first, then the row, so that an interrupted
		// cleanup still finds the generation abandoned next time.
		if g.deleteRows(ctx, "user_changes", `tenant_id = $1 AND generation = $2`, g.tenantID, n) != nil {
			return
		}
		if _, err := g.s.pool.Exec(ctx, `DELETE FROM generations WHERE tenant_id = $1 AND generation = $2`, g.tenantID, n); err != nil {
			return
		}
	}
	for _, table := range []string{"users", "user_status_counts", "user_blocks"} {
		if g.deleteRows(ctx, table, `tenant_id = $1 AND generation < $2`, g.tenantID, g.number) != nil {
			return
		}
	}
}

// abort deletes everything of the generation, after a failure: its
// changes, users, counts and blocks, then its row, last, so that an abort
// cut short leaves a generation that the next replacement's cleanup takes
// for abandoned and deletes. Its errors are not the caller's, whose own
// error is what the replacement returns.
func (g *generation) abort(ctx context.Context) {
	ctx, cancel := secusers.Housekeeping(ctx, housekeepingGrace)
	defer cancel()
	for _, table := range []string{"user_changes", "users", "user_status_counts", "user_blocks"} {
		if g.deleteRows(ctx, table, `tenant_id = $1 AND generation = $2`, g.tenantID, g.number) != nil {
			return
		}
	}
	g.s.pool.Exec(ctx, `DELETE FROM generations WHERE tenant_id = $1 AND generation = $2 AND current_at IS NULL`, g.tenantID, g.number)
}

// deleteRows deletes the rows of table that where selects (with args), in
// statements of deleteBatch rows, each its own transaction. The rows are
// found through the table's index on (tenant_id, generation, …) and deleted
// by their physical address, so that each statement reads only what it
// deletes. It stops when a statement finds fewer rows than a batch, not
// when it deletes fewer: the cleanups of two replacements that became
// current one after the other delete the same old generations at once,
// and each deletes only what the other has not.
func (g *generation) deleteRows(ctx context.Context, table, where string, args ...any) error {
	stmt := `WITH batch AS (SELECT ctid FROM ` + table + ` WHERE ` + where + ` LIMIT ` + deleteBatchText + `),
		deleted AS (DELETE FROM ` + table + ` WHERE ctid = ANY (ARRAY (SELECT ctid FROM batch)))
		SELECT count(*) FROM batch`
	for {
		var found int64
		if err := g.s.pool.QueryRow(ctx, stmt, args...).Scan(&found); err != nil {
			return translate(err, "")
		}
		if found < deleteBatch {
			return nil
		}
	}
}

// deleteBatchText is deleteBatch as SQL.
var deleteBatchText = strconv.Itoa(deleteBatch)

// affectInBatches runs stmt, which affects at most deleteBatch rows, each
// time in a transaction of its own, until it affects fewer; it returns how
// many rows it affected in all.
func affectInBatches(ctx context.Context, s *Store, stmt string, args ...any) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, stmt, args...)
		if err != nil {
			return total, translate(err, "")
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < deleteBatch {
			return total, nil
		}
	}
}
