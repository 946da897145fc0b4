package postgres

import (
	"context"
	"errors"
	"iter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secusers/secusers/internal/secusers"
)

// userChunk is up to secusers.GenerationChunk users of a generation,
// validated, waiting for their transaction. It is also the COPY's source
// (pgx.CopyFromSource): each user's row is encoded (userValues: the sort
// key and the JSON fields, most of a replacement's CPU) as pgx asks for it,
// from a goroutine of pgx's own while the server inserts the rows before,
// so that the two overlap as they did when the whole replacement was one
// COPY; only the caller's sequence is never pulled inside a transaction.
// pgx stops asking before CopyFrom returns, so the chunk is never used by
// two goroutines at once.
type userChunk struct {
	tenantID   string
	generation int64
	// first is the position in the sequence (1-based) of the chunk's
	// first user.
	first int
	users []secusers.User
	// next is the COPY's position in users; row is the current user's
	// row, reused; err what stopped the COPY.
	next int
	row  []any
	err  error
}

// reset empties the chunk, whose next user is the sequence's first-th.
func (c *userChunk) reset(first int) {
	c.first, c.users = first, c.users[:0]
}

// Next encodes the next user's row, and reports whether there is one.
func (c *userChunk) Next() bool {
	if c.next == len(c.users) {
		return false
	}
	c.row, c.err = userValues(c.row[:0], c.tenantID, c.generation, c.users[c.next])
	c.next++
	return c.err == nil
}

// Values returns the current user's row.
func (c *userChunk) Values() ([]any, error) { return c.row, c.err }

// Err returns what stopped the COPY early; pgx then aborts it.
func (c *userChunk) Err() error { return c.err }

// writeUsers consumes the sequence, validating each user as it comes
// (secusers.User.ValidateAt, so that the error names its position as the
// SQLite store's does), and writes the users a chunk of
// secusers.GenerationChunk at a time, each chunk with one COPY in one
// short transaction, counting each status set's users. The sequence is
// pulled only between those transactions: none is open while it works,
// which, for a sync, is while Graph is read. Memory is one chunk of users,
// whatever the tenant's size. The sequence's own error is returned
// untouched, so that translate cannot reinterpret the caller's error.
func (g *generation) writeUsers(ctx context.Context, users iter.Seq2[secusers.User, error]) error {
	chunk := &userChunk{
		tenantID: g.tenantID, generation: g.number, first: 1,
		users: make([]secusers.User, 0, secusers.GenerationChunk),
	}
	for u, err := range users {
		if err != nil {
			return err
		}
		g.users++
		if err := u.ValidateAt(g.users); err != nil {
			return err
		}
		chunk.users = append(chunk.users, u)
		g.counts[u.Status]++
		if len(chunk.users) == secusers.GenerationChunk {
			if err := g.writeChunk(ctx, chunk); err != nil {
				return err
			}
			chunk.reset(g.users + 1)
		}
	}
	if len(chunk.users) > 0 {
		return g.writeChunk(ctx, chunk)
	}
	return nil
}

// writeChunk COPYs the chunk's users into the generation, in one
// transaction. The users_by_id key refuses a repeated id, within the chunk
// or of a user of an earlier chunk; the refusal is then told as the
// repeated user's position (duplicate).
func (g *generation) writeChunk(ctx context.Context, chunk *userChunk) error {
	err := g.s.write(ctx, func(tx pgx.Tx) error {
		if err := g.own(ctx, tx); err != nil {
			return err
		}
		chunk.next, chunk.err = 0, nil
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, copyColumns, chunk)
		if chunk.err != nil {
			// What stopped the COPY, rather than COPY's report of it.
			return chunk.err
		}
		return err
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "users_by_id" {
		return g.duplicate(ctx, chunk, err)
	}
	return err
}

// duplicate finds the first user of the chunk whose id an earlier user has,
// in the chunk or in the generation's earlier chunks (which are written),
// and returns secusers.DuplicateUserID of its position: the user at which a
// replacement that checked each id as it came would have stopped. This is
// how a repeat is found without keeping every id of the sequence in
// memory. refused is the COPY's error, returned should no repeat be found.
func (g *generation) duplicate(ctx context.Context, chunk *userChunk, refused error) error {
	ids := make([]string, len(chunk.users))
	for i, u := range chunk.users {
		ids[i] = u.ID
	}
	rows, err := g.s.pool.Query(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND generation = $2 AND id = ANY ($3)`,
		g.tenantID, g.number, ids)
	if err != nil {
		return translate(err, "")
	}
	written, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return translate(err, "")
	}
	seen := make(map[string]bool, len(written)+len(ids))
	for _, id := range written {
		seen[id] = true
	}
	for i, id := range ids {
		if seen[id] {
			return secusers.DuplicateUserID(chunk.first+i, id)
		}
		seen[id] = true
	}
	return refused
}
