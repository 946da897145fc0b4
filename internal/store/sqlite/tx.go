package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// write runs fn in a write transaction and commits it when fn succeeds. The
// writer pool's DSN makes it BEGIN IMMEDIATE (see Store.writer).
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.within(ctx, s.writeStarters, func() (*sql.Tx, error) { return s.writer.BeginTx(ctx, nil) })
	if err != nil {
		return translate(err, "")
	}
	defer s.heldWriteLock(time.Now())
	if err := fn(tx); err != nil {
		tx.Rollback()
		return translate(err, "")
	}
	return translate(tx.Commit(), "")
}

// heldWriteLock records how long a write transaction that began at start
// held the write lock, if longer than any before (LongestWrite).
func (s *Store) heldWriteLock(start time.Time) {
	held := int64(time.Since(start))
	for {
		longest := s.longestWrite.Load()
		if held <= longest || s.longestWrite.CompareAndSwap(longest, held) {
			return
		}
	}
}

// LongestWrite returns the longest time a write transaction held the
// database's write lock since the last call (or since Open), and starts
// over. Every other writer, in this process or another, waits for as long
// as a transaction holds it; benchmarks report it.
func (s *Store) LongestWrite() time.Duration {
	return time.Duration(s.longestWrite.Swap(0))
}

// read runs fn in a read transaction, so that every statement fn runs sees
// the same snapshot (a count and its page agree even while a writer commits).
func (s *Store) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.within(ctx, s.readStarters, func() (*sql.Tx, error) { return s.beginRead(ctx) })
	if err != nil {
		return translate(err, "")
	}
	defer tx.Rollback()
	return translate(fn(tx), "")
}

// beginRead begins a read transaction and takes its snapshot. A deferred
// transaction would take it at fn's first statement, where within could not
// bound the wait for it; PRAGMA schema_version reads one word of the
// database header, so it costs a few microseconds (5 measured).
func (s *Store) beginRead(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	var version int64
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// within runs begin, which starts a transaction, and returns its result, or
// ctx's error as soon as ctx is done, whichever comes first.
//
// The busy handler ends a wait for another connection's lock with the
// context, but SQLite has a second wait that nothing interrupts: a
// connection that cannot read the WAL index (another process is
// recovering it, or holds its locks) retries on a fixed schedule of
// sleeps for about 10 s before it fails with SQLITE_PROTOCOL. Starting a
// transaction is where that wait happens (a read's snapshot, a write's
// BEGIN IMMEDIATE), and getting a connection, which may open one, precedes
// it; so both run on one of the pool's starter goroutines, and a caller
// whose deadline passes is answered then. An abandoned start's transaction
// is rolled back once it exists (database/sql does so when ctx ends; the
// goroutine below makes sure of it), which returns the connection to the
// pool; while the start is stuck, the pool has one connection fewer, and
// other callers wait for a connection, or a starter, no longer than their
// own context allows.
func (s *Store) within(ctx context.Context, p *starters, begin func() (*sql.Tx, error)) (*sql.Tx, error) {
	if ctx.Done() == nil {
		return begin() // nothing to give up for
	}
	type started struct {
		tx  *sql.Tx
		err error
	}
	done := make(chan started, 1) // buffered: the starter never waits for an abandoning caller
	if err := p.run(ctx, func() {
		tx, err := begin()
		done <- started{tx, err}
	}); err != nil {
		return nil, err
	}
	select {
	case r := <-done:
		return r.tx, r.err
	case <-ctx.Done():
		go func() { // rarely: a goroutine of its own is cheap enough
			if r := <-done; r.err == nil {
				r.tx.Rollback()
			}
		}()
		return nil, ctx.Err()
	}
}

// stamp returns the store's current time at the precision it keeps
// (secusers.StoredTime), so that a created record and the same record read
// back compare equal.
func (s *Store) stamp() time.Time { return secusers.StoredTime(s.now()) }
