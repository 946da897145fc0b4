package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// readOnly is the transaction of every read of more than one statement:
// REPEATABLE READ gives all its statements one snapshot, so a count and its
// page agree even while ReplaceUsers commits, and READ ONLY guards against a
// write slipping into a read path. Single-statement reads need no
// transaction: a statement always sees one snapshot.
var readOnly = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// write runs fn in a READ COMMITTED transaction and commits it when fn
// succeeds. Writers that must not interleave lock what they depend on (a
// tenant row, the signing_keys table, an advisory lock) in fn.
func (s *Store) write(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err, "")
	}
	defer s.heldWrite(time.Now())
	if err := fn(tx); err != nil {
		tx.Rollback(ctx)
		return translate(err, "")
	}
	return translate(tx.Commit(ctx), "")
}

// heldWrite records how long a write transaction that began at start
// lasted, if longer than any before (LongestWrite).
func (s *Store) heldWrite(start time.Time) {
	held := int64(time.Since(start))
	for {
		longest := s.longestWrite.Load()
		if held <= longest || s.longestWrite.CompareAndSwap(longest, held) {
			return
		}
	}
}

// LongestWrite returns the longest a write transaction lasted since the
// last call (or since Open), and starts over; benchmarks report it. Row
// locks it took (a tenant's, the feed's) were held as long.
func (s *Store) LongestWrite() time.Duration {
	return time.Duration(s.longestWrite.Swap(0))
}

// read runs fn in a read-only transaction with one snapshot.
func (s *Store) read(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, readOnly)
	if err != nil {
		return translate(err, "")
	}
	defer tx.Rollback(ctx)
	return translate(fn(tx), "")
}

// snapshot sends the statements queue queues in one round trip, inside a
// read-only REPEATABLE READ transaction that the same batch begins and
// commits, and lets read consume their results in order. It serves the hot
// paths: one round trip instead of three (BEGIN, statements, COMMIT), which
// matters most when the database host is busy. Should a statement fail, the
// transaction is left aborted and the pool discards the connection rather
// than reuse it.
func (s *Store) snapshot(ctx context.Context, queue func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
	queue(b)
	b.Queue(`COMMIT`)
	results := s.pool.SendBatch(ctx, b)
	_, err := results.Exec()
	if err == nil {
		err = read(results)
	}
	// Close reads what read left, the COMMIT included.
	if closeErr := results.Close(); err == nil {
		err = closeErr
	}
	return translate(err, "")
}

// stamp returns the store's current time at the precision it keeps
// (secusers.StoredTime), so that a created record and the same record read
// back compare equal.
func (s *Store) stamp() time.Time { return secusers.StoredTime(s.now()) }
