package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// write runs fn in a write transaction and commits it when fn succeeds. The
// writer pool's DSN makes it BEGIN IMMEDIATE (see Store.writer).
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "")
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return translate(err, "")
	}
	return translate(tx.Commit(), "")
}

// read runs fn in a read transaction, so that every statement fn runs sees
// the same snapshot (a count and its page agree even while a writer commits).
func (s *Store) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return translate(err, "")
	}
	defer tx.Rollback()
	return translate(fn(tx), "")
}

// stamp returns the store's current time at the precision it keeps,
// milliseconds in UTC, so that a created record and the same record read back
// compare equal.
func (s *Store) stamp() time.Time { return fromMillis(s.now().UnixMilli()) }

// fromMillis reads a stored time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromOptionalMillis reads a time that may be unset, stored as 0. (No
// record of this service is dated exactly 1970-01-01T00:00:00Z.)
func fromOptionalMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

// optionalMillis is the stored form of a time that may be unset: 0.
func optionalMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// ceilMillis returns t in the stored unit, rounded up to the next
// millisecond: a bound compared with stored times must not take in a record
// of the millisecond before it (a key retired at 10:00:00.001 was retired
// before 10:00:00.0015; an event then is not at or after it).
func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}
