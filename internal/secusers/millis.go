package secusers

import (
	"fmt"
	"time"
)

// Every store keeps times as Unix milliseconds in UTC: a created record and
// the same record read back compare equal, whichever store keeps it. These
// are the conversions both stores use.

// StoredTime returns t at the precision stores keep: whole milliseconds,
// in UTC.
func StoredTime(t time.Time) time.Time { return FromMillis(t.UnixMilli()) }

// FromMillis reads a stored time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// FromOptionalMillis reads a time that may be unset, stored as 0. (No
// record of this service is dated exactly 1970-01-01T00:00:00Z.)
func FromOptionalMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return FromMillis(ms)
}

// OptionalMillis is the stored form of a time that may be unset: 0.
func OptionalMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// CeilMillis returns t in the stored unit, rounded up to the next
// millisecond: the first stored instant that is not before t. A bound
// compared with stored times must not take in a record of the millisecond
// before it (a key retired at 10:00:00.001 was retired before
// 10:00:00.0015; an event then is not at or after it).
func CeilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if time.UnixMilli(ms).Before(t) {
		ms++
	}
	return ms
}

// MillisDest reads a stored time straight into a record's field, so that
// a store's row scan names the field once and the conversion (FromMillis,
// or FromOptionalMillis when optional) stays the domain's. It implements
// sql.Scanner, which database/sql and pgx both honour.
type MillisDest struct {
	t        *time.Time
	optional bool
}

// ScanMillis returns the destination of a stored time for t.
func ScanMillis(t *time.Time) MillisDest { return MillisDest{t: t} }

// ScanOptionalMillis returns the destination of a stored time that may be
// unset (0) for t.
func ScanOptionalMillis(t *time.Time) MillisDest { return MillisDest{t: t, optional: true} }

// Scan sets the time from the stored milliseconds.
func (d MillisDest) Scan(src any) error {
	ms, ok := src.(int64)
	if !ok {
		return fmt.Errorf("stored time: got %T, want int64 milliseconds", src)
	}
	if d.optional {
		*d.t = FromOptionalMillis(ms)
	} else {
		*d.t = FromMillis(ms)
	}
	return nil
}
