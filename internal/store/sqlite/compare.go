package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/secusers/secusers/internal/secusers"
)

// The statements of a comparison of two generations (compareGenerations).
// ?1 is the tenant, ?2 a generation.
const (
	// orderedStatusQuery reads the positions and statuses of a
	// generation's users that have a status, in the API's order after
	// position (?3, ?4), ?5 of them: an index-only scan of users_in_order,
	// which holds all three.
	orderedStatusQuery = `SELECT sort_key, id, status FROM users
		WHERE tenant_id = ?1 AND generation = ?2 AND (sort_key, id) > (?3, ?4) AND status != 0
		ORDER BY sort_key, id LIMIT ?5`
	// statusesByIDQuery reads the statuses of the users of a generation
	// whose ids are in the JSON array ?3, one probe of users_by_id each
	// (named: without statistics SQLite may rather scan the whole
	// generation in users_in_order, which holds id and status too).
	statusesByIDQuery = `SELECT id, status FROM users INDEXED BY users_by_id
		WHERE tenant_id = ?1 AND generation = ?2 AND id IN (SELECT value FROM json_each(?3))`
	// namesByIDQuery reads the names a change records of the users of a
	// generation whose ids are in the JSON array ?3.
	namesByIDQuery = `SELECT id, display_name, user_principal_name FROM users INDEXED BY users_by_id
		WHERE tenant_id = ?1 AND generation = ?2 AND id IN (SELECT value FROM json_each(?3))`
)

// positioned is a user's position in the API's order and its statuses.
type positioned struct {
	key    secusers.UserKey
	status secusers.StatusSet
}

// orderCursor reads one generation's positions and statuses in the API's
// order, compareBatch at a time, each batch a short read of its own: the
// generations compared do not change, and a read held open across a large
// tenant would keep the WAL from checkpointing.
type orderCursor struct {
	s          *Store
	tenantID   string
	generation int64
	batch      []positioned
	i          int
	done       bool
}

// peek returns the cursor's user, reading the next batch when needed;
// false when the generation has no more.
func (c *orderCursor) peek(ctx context.Context) (positioned, bool, error) {
	if c.i < len(c.batch) {
		return c.batch[c.i], true, nil
	}
	if c.done {
		return positioned{}, false, nil
	}
	var after secusers.UserKey
	if len(c.batch) > 0 {
		after = c.batch[len(c.batch)-1].key
	}
	c.batch, c.i = c.batch[:0], 0
	err := c.s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, orderedStatusQuery, c.tenantID, c.generation, after.SortKey, after.ID, compareBatch)
		if err != nil {
			return err
		}
		return eachRow(rows, func(row scanner) error {
			var p positioned
			var status int64
			err := row.Scan(&p.key.SortKey, &p.key.ID, &status)
			p.status = secusers.StatusSet(status)
			c.batch = append(c.batch, p)
			return err
		})
	})
	if err != nil {
		return positioned{}, false, err
	}
	c.done = len(c.batch) < compareBatch
	if len(c.batch) == 0 {
		return positioned{}, false, nil
	}
	return c.batch[0], true, nil
}

// statusChange is a user whose statuses differ between two generations.
type statusChange struct {
	id       string
	was, now secusers.StatusSet
}

// generationComparison compares a generation with the base it replaces by
// merging, in the API's order, the users of each that have a status (a user
// with none in either has nothing to compare). A user at the same position
// in both is compared on the spot. A user at a position only one has
// gained its first status, lost its last, is new, deleted or renamed (a new
// display name moves it); those, a few in a day's sync, are looked up by id
// in the other generation, compareBatch at a time. Memory stays bounded by
// the batches whatever the tenant's size.
type generationComparison struct {
	s                *Store
	tenantID         string
	generation, base int64
	onlyNew, onlyOld []positioned
	changed          []statusChange
	w                *changeWriter
}

// compareGenerations records through w what generation changes against
// base.
func (s *Store) compareGenerations(ctx context.Context, w *changeWriter, tenantID string, generation, base int64) error {
	c := &generationComparison{s: s, tenantID: tenantID, generation: generation, base: base, w: w}
	newer := &orderCursor{s: s, tenantID: tenantID, generation: generation}
	older := &orderCursor{s: s, tenantID: tenantID, generation: base}
	for {
		n, hasNew, err := newer.peek(ctx)
		if err != nil {
			return err
		}
		o, hasOld, err := older.peek(ctx)
		if err != nil {
			return err
		}
		switch {
		case !hasNew && !hasOld:
			return c.resolve(ctx)
		case hasOld && (!hasNew || o.key.Less(n.key)):
			c.onlyOld = append(c.onlyOld, o)
			older.i++
		case hasNew && (!hasOld || n.key.Less(o.key)):
			c.onlyNew = append(c.onlyNew, n)
			newer.i++
		default:
			if n.status != o.status {
				c.changed = append(c.changed, statusChange{n.key.ID, o.status, n.status})
			}
			newer.i++
			older.i++
		}
		if len(c.onlyNew) >= compareBatch || len(c.onlyOld) >= compareBatch || len(c.changed) >= compareBatch {
			if err := c.resolve(ctx); err != nil {
				return err
			}
		}
	}
}

// resolve looks up the users found at a position of one generation only,
// and records every change found so far.
func (c *generationComparison) resolve(ctx context.Context) error {
	// A user with statuses that the new generation alone has at its
	// position had the statuses base gives it (none if base has it without
	// any, or not at all).
	if len(c.onlyNew) > 0 {
		was, err := c.statuses(ctx, c.base, c.onlyNew)
		if err != nil {
			return err
		}
		for _, u := range c.onlyNew {
			if old := was[u.key.ID]; old != u.status {
				c.changed = append(c.changed, statusChange{u.key.ID, old, u.status})
			}
		}
		c.onlyNew = c.onlyNew[:0]
	}
	// A user with statuses that base alone has at its position lost them
	// all, unless the new generation gives it some elsewhere: then it was
	// compared above, or will be.
	if len(c.onlyOld) > 0 {
		now, err := c.statuses(ctx, c.generation, c.onlyOld)
		if err != nil {
			return err
		}
		for _, u := range c.onlyOld {
			if now[u.key.ID] == 0 {
				c.changed = append(c.changed, statusChange{u.key.ID, u.status, 0})
			}
		}
		c.onlyOld = c.onlyOld[:0]
	}
	if len(c.changed) == 0 {
		return nil
	}
	names, err := c.names(ctx)
	if err != nil {
		return err
	}
	for _, ch := range c.changed {
		p := names[ch.id]
		added, removed := secusers.ChangesOf(ch.was, ch.now)
		if err := c.w.add(ctx, p, added, kindAdded); err != nil {
			return err
		}
		if err := c.w.add(ctx, p, removed, kindRemoved); err != nil {
			return err
		}
	}
	c.changed = c.changed[:0]
	return nil
}

// statuses reads the statuses that generation gives the users, by id;
// a user it does not have is not in the map.
func (c *generationComparison) statuses(ctx context.Context, generation int64, users []positioned) (map[string]secusers.StatusSet, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.key.ID
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	found := make(map[string]secusers.StatusSet, len(users))
	err = c.s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, statusesByIDQuery, c.tenantID, generation, string(list))
		if err != nil {
			return err
		}
		return eachRow(rows, func(row scanner) error {
			var id string
			var status int64
			err := row.Scan(&id, &status)
			found[id] = secusers.StatusSet(status)
			return err
		})
	})
	return found, err
}

// names reads the names of the changed users that a change records: the
// new generation's, or base's for a user it deleted.
func (c *generationComparison) names(ctx context.Context) (map[string]pendingChange, error) {
	ids := make([]string, len(c.changed))
	for i, ch := range c.changed {
		ids[i] = ch.id
	}
	found := make(map[string]pendingChange, len(ids))
	err := c.s.read(ctx, func(tx *sql.Tx) error {
		for _, generation := range []int64{c.generation, c.base} {
			var missing []string
			for _, id := range ids {
				if _, ok := found[id]; !ok {
					missing = append(missing, id)
				}
			}
			if len(missing) == 0 {
				return nil
			}
			list, err := json.Marshal(missing)
			if err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, namesByIDQuery, c.tenantID, generation, string(list))
			if err != nil {
				return err
			}
			err = eachRow(rows, func(row scanner) error {
				var p pendingChange
				err := row.Scan(&p.userID, &p.displayName, &p.upn)
				found[p.userID] = p
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return found, err
}
