package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// The kinds of a user_changes row (migration 00006).
const (
	// kindPresent is a status a user had in its tenant's first
	// generation, or one whose "added" row was pruned: where its interval
	// starts, and not a change of the feed.
	kindPresent = 0
	kindAdded   = 1
	kindRemoved = 2
)

// The kinds as SQL constants. The queries name them as constants, not
// parameters, so that the planner can prove that a query's rows are in
// user_changes_feed, whose WHERE is kind <> 0.
var (
	kindPresentText = strconv.Itoa(kindPresent)
	kindAddedText   = strconv.Itoa(kindAdded)
	kindRemovedText = strconv.Itoa(kindRemoved)
)

// changeColumns are the columns of user_changes that recordChanges COPYs.
var changeColumns = []string{"tenant_id", "generation", "ordinal", "user_id", "display_name", "user_principal_name", "status", "kind"}

// comparedUser is what the comparison of two generations reads of a user.
type comparedUser struct {
	id, displayName, upn string
	status               secusers.StatusSet
}

// compareQuery reads the first $4 users of generation $2 of tenant $1 whose
// id comes after $3, in id order (users_by_id).
const compareQuery = `SELECT id, display_name, user_principal_name, status FROM users
	WHERE tenant_id = $1 AND generation = $2 AND id > $3 ORDER BY id LIMIT $4`

// recordChanges records in user_changes what the generation changes against
// base, the tenant's current generation: for a first fill (base 0), a
// present row per status of each user; else an added row per status a
// user gains and a removed row per status it loses, a user absent from one
// side counting as one without statuses there. Rows carry the user's name
// and UPN, the generation's when it has the user, else base's.
//
// Both generations are read in id order, a chunk of
// secusers.GenerationChunk users of each per transaction, and merged: each
// transaction compares the ids up to the smaller of the two chunks' last
// ids (the rest is read again by the next) and COPYs the rows they give.
// Two range scans of one index a chunk, rather than a probe of base per
// user. Ordinals follow the id order.
func (g *generation) recordChanges(ctx context.Context, base int64) error {
	after := "" // every id comes after it
	for done := false; !done; {
		err := g.s.write(ctx, func(tx pgx.Tx) error {
			if err := g.own(ctx, tx); err != nil {
				return err
			}
			news, err := readCompared(ctx, tx, g.tenantID, g.number, after)
			if err != nil {
				return err
			}
			var olds []comparedUser
			if base != 0 {
				if olds, err = readCompared(ctx, tx, g.tenantID, base, after); err != nil {
					return err
				}
			}
			// A full chunk ends where it was cut; the generation whose
			// chunk ends first bounds what can be compared now.
			end, bounded := "", false
			for _, side := range [][]comparedUser{news, olds} {
				if len(side) == secusers.GenerationChunk && (!bounded || side[len(side)-1].id < end) {
					end, bounded = side[len(side)-1].id, true
				}
			}
			rows := g.compare(news, olds, end, bounded, base == 0)
			if len(rows) > 0 {
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{"user_changes"}, changeColumns, pgx.CopyFromRows(rows)); err != nil {
					return err
				}
			}
			after, done = end, !bounded
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readCompared reads a chunk of the generation's users for recordChanges.
func readCompared(ctx context.Context, tx pgx.Tx, tenantID string, generation int64, after string) ([]comparedUser, error) {
	rows, err := tx.Query(ctx, compareQuery, tenantID, generation, after, secusers.GenerationChunk)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row pgx.Row) (comparedUser, error) {
		var u comparedUser
		var status int32
		err := row.Scan(&u.id, &u.displayName, &u.upn, &status)
		u.status = secusers.StatusSet(status)
		return u, err
	})
}

// compare merges the new and old users, both in id order, up to id end
// (all of them when not bounded), into user_changes rows numbered on from
// the generation's last ordinal. For a first fill every status of a new
// user is present rather than added.
func (g *generation) compare(news, olds []comparedUser, end string, bounded, firstFill bool) [][]any {
	var rows [][]any
	emit := func(u comparedUser, set secusers.StatusSet, kind int16) {
		for _, st := range set.Statuses() {
			g.ordinal++
			rows = append(rows, []any{g.tenantID, g.number, g.ordinal, u.id, u.displayName, u.upn, int16(st), kind})
		}
	}
	added := int16(kindAdded)
	if firstFill {
		added = kindPresent
	}
	i, j := 0, 0
	for {
		var n, o *comparedUser
		if i < len(news) && (!bounded || news[i].id <= end) {
			n = &news[i]
		}
		if j < len(olds) && (!bounded || olds[j].id <= end) {
			o = &olds[j]
		}
		switch {
		case n == nil && o == nil:
			return rows
		case o == nil || n != nil && n.id < o.id:
			emit(*n, n.status, added)
			i++
		case n == nil || o.id < n.id:
			emit(*o, o.status, kindRemoved)
			j++
		default: // the same user in both
			gained, lost := secusers.ChangesOf(o.status, n.status)
			emit(*n, gained, added)
			emit(*n, lost, kindRemoved)
			i, j = i+1, j+1
		}
	}
}

// changesQuery reads the feed's changes of the tenants $1, of generations
// made current at or after $2 (Unix ms), after cursor ($3, $4), $5 of them
// in the feed's order. The generations at or after $3 come from
// generations_feed, a range per tenant, and each one's first $5 changes
// after the cursor from user_changes_feed, a range in ordinal order that
// passes a first fill's present rows by; so a read costs what it returns,
// whether it resumes in the middle of a large generation or after many
// that changed nothing.
var changesQuery = `SELECT g.seq, c.ordinal, g.current_at, t.customer_id, g.tenant_id, c.user_id,
		c.display_name, c.user_principal_name, c.status, c.kind
	FROM (
		SELECT tenant_id, generation, seq, current_at FROM generations
		WHERE tenant_id = ANY ($1) AND seq >= $3 AND current_at >= $2
		ORDER BY seq
	) AS g
	CROSS JOIN LATERAL (
		SELECT ordinal, user_id, display_name, user_principal_name, status, kind FROM user_changes
		WHERE tenant_id = g.tenant_id AND generation = g.generation AND kind <> ` + kindPresentText + `
			AND ordinal > CASE WHEN g.seq = $3 THEN $4::bigint ELSE 0 END
		ORDER BY ordinal LIMIT $5
	) AS c
	JOIN tenants AS t ON t.id = g.tenant_id
	ORDER BY g.seq, c.ordinal LIMIT $5`

// Changes reads the feed of status changes (secusers.ChangeQuery): the
// feed's end and the changes, from one snapshot in one round trip. The
// feed's end is change_feed's seq: flips take their seqs one at a time
// and commit holding them, so every generation with a seq up to it is
// visible in the same snapshot.
func (s *Store) Changes(ctx context.Context, q secusers.ChangeQuery) (secusers.ChangePage, error) {
	if q.Limit < 1 {
		return secusers.ChangePage{}, secusers.Errorf(secusers.Invalid, "a read of changes needs a limit of at least 1, got %d", q.Limit)
	}
	page := secusers.ChangePage{Latest: secusers.ChangeCursor{Ordinal: secusers.EndOfSeq}}
	since := int64(0)
	if !q.Since.IsZero() {
		since = q.Since.UnixMilli()
	}
	err := s.snapshot(ctx, func(b *pgx.Batch) {
		b.Queue(`SELECT seq FROM change_feed WHERE id = 1`)
		if len(q.TenantIDs) > 0 {
			b.Queue(changesQuery, q.TenantIDs, since, q.After.Seq, q.After.Ordinal, q.Limit)
		}
	}, func(results pgx.BatchResults) error {
		if err := results.QueryRow().Scan(&page.Latest.Seq); err != nil {
			return err
		}
		if len(q.TenantIDs) == 0 {
			return nil
		}
		rows, err := results.Query()
		if err != nil {
			return err
		}
		page.Changes, err = collect(rows, scanChange)
		return err
	})
	if err != nil {
		return secusers.ChangePage{}, err
	}
	return page, nil
}

// scanChange reads a row of changesQuery.
func scanChange(row pgx.Row) (secusers.StatusChange, error) {
	var c secusers.StatusChange
	var status, kind int16
	err := row.Scan(&c.Cursor.Seq, &c.Cursor.Ordinal, secusers.ScanMillis(&c.Time), &c.CustomerID, &c.TenantID,
		&c.UserID, &c.DisplayName, &c.UserPrincipalName, &status, &kind)
	c.Status, c.Added = secusers.Status(status), kind == kindAdded
	return c, err
}

// History returns the tenant's points of the days from to to, oldest
// first, and whether the tenant exists, from one snapshot.
func (s *Store) History(ctx context.Context, tenantID string, from, to time.Time) ([]secusers.HistoryPoint, error) {
	var points []secusers.HistoryPoint
	err := s.snapshot(ctx, func(b *pgx.Batch) {
		b.Queue(`SELECT 1 FROM tenants WHERE id = $1`, tenantID)
		b.Queue(`SELECT day, security_users, counts FROM history_points
			WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`, tenantID, secusers.DayNumber(from), secusers.DayNumber(to))
	}, func(results pgx.BatchResults) error {
		var one int
		err := results.QueryRow().Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return secusers.Missing("tenant", tenantID)
		}
		if err != nil {
			return err
		}
		rows, err := results.Query()
		if err != nil {
			return err
		}
		points, err = collect(rows, func(row pgx.Row) (secusers.HistoryPoint, error) {
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
	if err != nil {
		return nil, err
	}
	return points, nil
}

// StatusIntervals returns the user's status intervals, folded
// (secusers.IntervalsOf) from its rows in user_changes of generations made
// current, read in one statement through user_changes_by_user.
func (s *Store) StatusIntervals(ctx context.Context, tenantID, userID string) ([]secusers.StatusInterval, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.status, c.kind <> `+strconv.Itoa(kindRemoved)+`, g.current_at
		FROM user_changes AS c JOIN generations AS g ON g.tenant_id = c.tenant_id AND g.generation = c.generation
		WHERE c.tenant_id = $1 AND c.user_id = $2 AND g.seq IS NOT NULL
		ORDER BY c.status, g.seq`, tenantID, userID)
	if err != nil {
		return nil, translate(err, "")
	}
	events, err := collect(rows, func(row pgx.Row) (secusers.StatusEvent, error) {
		var e secusers.StatusEvent
		var status int16
		err := row.Scan(&status, &e.Has, secusers.ScanMillis(&e.At))
		e.Status = secusers.Status(status)
		return e, err
	})
	if err != nil {
		return nil, translate(err, "")
	}
	return secusers.IntervalsOf(events), nil
}

// The statements of PruneHistory, each run until it affects fewer than
// deleteBatch rows. $1 is the time (Unix ms), or for history_points its
// day (secusers.DayNumber).
var pruneStatements = []struct {
	stmt    string
	byDay   bool // $1 is the day
	deletes bool // else it updates
}{
	// The points of the days before.
	{`DELETE FROM history_points WHERE ctid = ANY (ARRAY (
		SELECT ctid FROM history_points WHERE day < $1 LIMIT ` + deleteBatchText + `))`, true, true},
	// The added rows of generations made current before the time leave
	// the feed; each stays as where its interval starts (present), to be
	// deleted with the removed row that ends it, if that is before the
	// time too (next statement). Done first, so that the next one's scan
	// of user_changes_feed meets only removed rows.
	{`UPDATE user_changes AS c SET kind = ` + kindPresentText + ` FROM (
		SELECT c.tenant_id, c.generation, c.ordinal FROM user_changes AS c
		JOIN generations AS g ON g.tenant_id = c.tenant_id AND g.generation = c.generation
		WHERE c.kind <> ` + kindPresentText + ` AND c.kind = ` + kindAddedText + ` AND g.current_at < $1
		LIMIT ` + deleteBatchText + `) AS x
		WHERE c.tenant_id = x.tenant_id AND c.generation = x.generation AND c.ordinal = x.ordinal`, false, false},
	// The intervals that ended before the time: each removed row of a
	// generation made current before it, with the row that started its
	// interval (the user's latest earlier row of the status, of a
	// generation made current), in one statement, so that no interval is
	// ever left half. (Up to twice deleteBatch rows.)
	{`WITH closers AS (
		SELECT c.tenant_id, c.generation, c.ordinal, c.user_id, c.status FROM user_changes AS c
		JOIN generations AS g ON g.tenant_id = c.tenant_id AND g.generation = c.generation
		WHERE c.kind <> ` + kindPresentText + ` AND c.kind = ` + kindRemovedText + ` AND g.current_at < $1
		LIMIT ` + deleteBatchText + `
	), ended AS (
		SELECT tenant_id, generation, ordinal FROM closers
		UNION ALL
		SELECT o.tenant_id, o.generation, o.ordinal FROM closers AS r CROSS JOIN LATERAL (
			SELECT c.tenant_id, c.generation, c.ordinal FROM user_changes AS c
			WHERE c.tenant_id = r.tenant_id AND c.user_id = r.user_id AND c.status = r.status
				AND c.generation < r.generation AND c.kind <> ` + kindRemovedText + `
				AND EXISTS (SELECT 1 FROM generations AS g
					WHERE g.tenant_id = c.tenant_id AND g.generation = c.generation AND g.seq IS NOT NULL)
			ORDER BY c.generation DESC LIMIT 1) AS o
	)
	DELETE FROM user_changes AS c USING ended
	WHERE c.tenant_id = ended.tenant_id AND c.generation = ended.generation AND c.ordinal = ended.ordinal`, false, true},
	// The generations made current before the time that are no longer
	// their tenant's current one and have no rows left.
	{`DELETE FROM generations AS g USING (
		SELECT g.tenant_id, g.generation FROM generations AS g JOIN tenants AS t ON t.id = g.tenant_id
		WHERE g.current_at < $1 AND g.generation <> t.users_version AND NOT EXISTS (
			SELECT 1 FROM user_changes AS c WHERE c.tenant_id = g.tenant_id AND c.generation = g.generation)
		LIMIT ` + deleteBatchText + `) AS x
	WHERE g.tenant_id = x.tenant_id AND g.generation = x.generation`, false, true},
}

// PruneHistory deletes the history before the given time, in statements of
// at most deleteBatch rows, each its own transaction, in an order that
// keeps every interval readable at every step (pruneStatements). It
// returns how many rows it deleted; the added rows it takes out of the
// feed, which stay as their intervals' starts, are not counted.
func (s *Store) PruneHistory(ctx context.Context, before time.Time) (int, error) {
	var deleted int64
	for _, p := range pruneStatements {
		arg := before.UnixMilli()
		if p.byDay {
			arg = secusers.DayNumber(before)
		}
		n, err := affectInBatches(ctx, s, p.stmt, arg)
		if p.deletes {
			deleted += n
		}
		if err != nil {
			return int(deleted), err
		}
	}
	return int(deleted), nil
}
