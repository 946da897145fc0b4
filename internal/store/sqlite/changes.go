package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// The kinds of a user_changes row.
const (
	// kindPresent is a status a user had in its tenant's first generation:
	// where its interval starts; not a change.
	kindPresent = 0
	kindAdded   = 1
	kindRemoved = 2
)

// firstFillQuery reads the statuses of every user of a tenant's first
// generation (?2) that has any, in id order (users_by_id), compareBatch
// (?5) rows at a time after id ?4, each batch a short read of its own: a
// read held open for the whole of a large tenant would keep SQLite from
// checkpointing the WAL the change rows go to meanwhile, and every commit
// would grow slower. ?1 is the tenant; ?3 is unused.
const firstFillQuery = `SELECT id, display_name, user_principal_name, status FROM users
	WHERE tenant_id = ?1 AND generation = ?2 AND id > ?4 AND status != 0 ORDER BY id LIMIT ?5`

// compareBatch is how many users one read of a comparison returns.
const compareBatch = 5000

// recordChanges records in user_changes what generation changes against
// base, the tenant's current generation (0: none, a first fill, whose
// statuses are recorded as present; else compareGenerations). The users
// are read in short reads while the changes go to the writer
// GenerationChunk rows a transaction; the generation is not current yet,
// so no reader sees them until it is.
func (s *Store) recordChanges(ctx context.Context, tenantID string, generation, base int64) error {
	w := changeWriter{s: s, tenantID: tenantID, generation: generation}
	if base != 0 {
		if err := s.compareGenerations(ctx, &w, tenantID, generation, base); err != nil {
			return err
		}
		return w.flush(ctx)
	}
	for after := ""; ; {
		var batch []pendingChange
		var statuses []secusers.StatusSet
		err := s.read(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, firstFillQuery, tenantID, generation, base, after, compareBatch)
			if err != nil {
				return err
			}
			return eachRow(rows, func(row scanner) error {
				var c pendingChange
				var status int64
				err := row.Scan(&c.userID, &c.displayName, &c.upn, &status)
				batch, statuses = append(batch, c), append(statuses, secusers.StatusSet(status))
				return err
			})
		})
		if err != nil {
			return err
		}
		for i, c := range batch {
			if err := w.add(ctx, c, statuses[i], kindPresent); err != nil {
				return err
			}
		}
		if len(batch) < compareBatch {
			return w.flush(ctx)
		}
		after = batch[len(batch)-1].userID
	}
}

// pendingChange is a row of user_changes waiting for its transaction.
type pendingChange struct {
	userID, displayName, upn string
	status                   secusers.Status
	kind                     int
	ordinal                  int64
}

// changeWriter numbers a generation's changes and writes them in batches.
type changeWriter struct {
	s          *Store
	tenantID   string
	generation int64
	ordinal    int64
	pending    []pendingChange
}

// add records one row per status of set, of kind.
func (w *changeWriter) add(ctx context.Context, c pendingChange, set secusers.StatusSet, kind int) error {
	for _, st := range set.Statuses() {
		w.ordinal++
		c.status, c.kind, c.ordinal = st, kind, w.ordinal
		w.pending = append(w.pending, c)
	}
	if len(w.pending) >= secusers.GenerationChunk {
		return w.flush(ctx)
	}
	return nil
}

// flush writes the pending rows in one transaction.
func (w *changeWriter) flush(ctx context.Context) error {
	if len(w.pending) == 0 {
		return nil
	}
	err := w.s.write(ctx, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO user_changes
			(tenant_id, generation, ordinal, user_id, display_name, user_principal_name, status, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insert.Close()
		for _, c := range w.pending {
			if _, err := insert.ExecContext(ctx, w.tenantID, w.generation, c.ordinal, c.userID, c.displayName, c.upn,
				int64(c.status), c.kind); err != nil {
				return err
			}
		}
		return nil
	})
	w.pending = w.pending[:0]
	return err
}

// Changes reads the feed of status changes: the changes of the tenants q
// names, of generations made current (at or after q.Since), after q.After,
// in the feed's order, and the feed's end, from one snapshot.
func (s *Store) Changes(ctx context.Context, q secusers.ChangeQuery) (secusers.ChangePage, error) {
	if q.Limit < 1 {
		return secusers.ChangePage{}, secusers.Errorf(secusers.Invalid, "a read of changes needs a limit of at least 1, got %d", q.Limit)
	}
	var page secusers.ChangePage
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM change_feed WHERE id = 1`).Scan(&page.Latest.Seq); err != nil {
			return err
		}
		page.Latest.Ordinal = secusers.EndOfSeq
		if len(q.TenantIDs) == 0 {
			return nil
		}
		args := []any{q.After.Seq, q.After.Ordinal, q.Since.UnixMilli(), q.Limit}
		marks := make([]string, len(q.TenantIDs))
		for i, id := range q.TenantIDs {
			// Numbered: a bare ? would take the number after the
			// largest before it, ?3, which LIMIT ?4 already has.
			marks[i] = "?" + strconv.Itoa(len(args)+1)
			args = append(args, id)
		}
		// The generations come in seq order from their own index, and
		// each one's changes in ordinal order from user_changes' key.
		rows, err := tx.QueryContext(ctx, `SELECT g.seq, c.ordinal, g.current_at, t.customer_id, c.tenant_id, c.user_id,
				c.display_name, c.user_principal_name, c.status, c.kind
			FROM generations AS g INDEXED BY generations_by_seq
			JOIN user_changes AS c ON c.tenant_id = g.tenant_id AND c.generation = g.generation
			JOIN tenants AS t ON t.id = g.tenant_id
			WHERE g.seq IS NOT NULL AND g.seq >= ?1 AND (g.seq > ?1 OR c.ordinal > ?2) AND g.current_at >= ?3
				AND c.kind != `+present+` AND g.tenant_id IN (`+strings.Join(marks, ", ")+`)
			ORDER BY g.seq, c.ordinal LIMIT ?4`, args...)
		if err != nil {
			return err
		}
		page.Changes, err = collect(rows, func(row scanner) (secusers.StatusChange, error) {
			var c secusers.StatusChange
			var status, kind int64
			err := row.Scan(&c.Cursor.Seq, &c.Cursor.Ordinal, secusers.ScanMillis(&c.Time), &c.CustomerID, &c.TenantID,
				&c.UserID, &c.DisplayName, &c.UserPrincipalName, &status, &kind)
			c.Status, c.Added = secusers.Status(status), kind == kindAdded
			return c, err
		})
		return err
	})
	if err != nil {
		return secusers.ChangePage{}, err
	}
	return page, nil
}

// History returns the tenant's points of the days from to to.
func (s *Store) History(ctx context.Context, tenantID string, from, to time.Time) ([]secusers.HistoryPoint, error) {
	var points []secusers.HistoryPoint
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tenantExists(ctx, tx, tenantID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT day, security_users, counts FROM history_points
			WHERE tenant_id = ? AND day BETWEEN ? AND ? ORDER BY day`, tenantID, secusers.DayNumber(from), secusers.DayNumber(to))
		if err != nil {
			return err
		}
		points, err = collect(rows, func(row scanner) (secusers.HistoryPoint, error) {
			var p secusers.HistoryPoint
			var day int64
			var counts string
			if err := row.Scan(&day, &p.SecurityUsers, &counts); err != nil {
				return p, err
			}
			p.Day = secusers.DayFromNumber(day)
			p.Counts, err = secusers.DecodeCounts(counts)
			return p, err
		})
		return err
	})
	return points, err
}

// StatusIntervals returns the user's status intervals, folded from its
// rows in user_changes of generations made current.
func (s *Store) StatusIntervals(ctx context.Context, tenantID, userID string) ([]secusers.StatusInterval, error) {
	var events []secusers.StatusEvent
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT c.status, c.kind != `+removed+`, g.current_at
			FROM user_changes AS c JOIN generations AS g ON g.tenant_id = c.tenant_id AND g.generation = c.generation
			WHERE c.tenant_id = ? AND c.user_id = ? AND g.seq IS NOT NULL
			ORDER BY c.status, g.seq`, tenantID, userID)
		if err != nil {
			return err
		}
		events, err = collect(rows, func(row scanner) (secusers.StatusEvent, error) {
			var e secusers.StatusEvent
			var status int64
			err := row.Scan(&status, &e.Has, secusers.ScanMillis(&e.At))
			e.Status = secusers.Status(status)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return secusers.IntervalsOf(events), nil
}

// PruneHistory deletes the history before the given time. It starts from
// the generations made current before it (few: one a sync or import) and
// reaches their rows by key, so a prune that finds nothing old reads next
// to nothing, however much history there is; each generation is pruned in
// its own short transaction, in an order that keeps every interval
// readable at each step:
//
//  1. its added rows leave the feed (they become the baseline of their
//     interval, where the status's "since" is);
//  2. each of its removed rows ended an interval before the time: the row
//     that opened that interval (the same user and status, the latest
//     before it) goes, then the removed rows themselves;
//  3. the generation's record goes once nothing refers to it (never the
//     tenant's current one).
//
// Then the daily points before the time's day go.
func (s *Store) PruneHistory(ctx context.Context, before time.Time) (int, error) {
	type old struct {
		tenantID   string
		generation int64
	}
	var olds []old
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT g.tenant_id, g.generation FROM generations AS g
			WHERE g.current_at < ? ORDER BY g.seq`, before.UnixMilli())
		if err != nil {
			return err
		}
		olds, err = collect(rows, func(row scanner) (old, error) {
			var o old
			return o, row.Scan(&o.tenantID, &o.generation)
		})
		return err
	})
	if err != nil {
		return 0, err
	}
	var total int64
	for _, o := range olds {
		err := s.write(ctx, func(tx *sql.Tx) error {
			for _, statement := range []string{
				`UPDATE user_changes SET kind = ` + present + ` WHERE tenant_id = ?1 AND generation = ?2 AND kind = ` + added,
				`DELETE FROM user_changes AS c WHERE (c.tenant_id, c.generation, c.ordinal) IN (
					SELECT o.tenant_id, o.generation, o.ordinal FROM user_changes AS r
					JOIN user_changes AS o INDEXED BY user_changes_by_user
						ON o.tenant_id = r.tenant_id AND o.user_id = r.user_id AND o.status = r.status
						AND o.generation = (SELECT max(generation) FROM user_changes AS p INDEXED BY user_changes_by_user
							WHERE p.tenant_id = r.tenant_id AND p.user_id = r.user_id AND p.status = r.status
								AND p.generation < r.generation)
					WHERE r.tenant_id = ?1 AND r.generation = ?2 AND r.kind = ` + removed + ` AND o.kind != ` + removed + `)`,
				`DELETE FROM user_changes WHERE tenant_id = ?1 AND generation = ?2 AND kind = ` + removed,
				`DELETE FROM generations WHERE tenant_id = ?1 AND generation = ?2
					AND generation != (SELECT users_version FROM tenants WHERE id = ?1)
					AND NOT EXISTS (SELECT 1 FROM user_changes WHERE tenant_id = ?1 AND generation = ?2)`,
			} {
				n, err := affected(tx.ExecContext(ctx, statement, o.tenantID, o.generation))
				if err != nil {
					return err
				}
				if !strings.HasPrefix(statement, "UPDATE") {
					total += n
				}
			}
			return nil
		})
		if err != nil {
			return int(total), err
		}
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `DELETE FROM history_points WHERE day < ?`, secusers.DayNumber(before)))
		total += n
		return err
	})
	return int(total), err
}

// The kinds as SQL literals.
const (
	present = "0"
	added   = "1"
	removed = "2"
)
