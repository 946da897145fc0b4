package sqlite

import (
	"database/sql"
	"errors"

	"github.com/secusers/secusers/internal/secusers"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate is the one place where database errors become domain errors:
// it classifies err by SQLite's result code, never by message text, which
// changes between releases, and secusers.StoreError words it. subject
// names the record the statement was about ("partner 0f…"), for the
// caller-safe message; it may be "".
func translate(err error, subject string) error {
	return secusers.StoreError(err, subject, fault(err))
}

// fault classifies err: no row, or the fault of its SQLite result code.
func fault(err error) secusers.Fault {
	if errors.Is(err, sql.ErrNoRows) {
		return secusers.FaultNoRow
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return secusers.FaultUnknown
	}
	return classify(se.Code())
}

// classify returns the fault of an SQLite result code; codes it does not
// know are FaultUnknown.
//
// Every code of the lock family is FaultBusy, extended codes included (the
// primary code is the low byte): BUSY and its RECOVERY, SNAPSHOT and
// TIMEOUT (another connection holds a lock, or recovers the WAL), LOCKED
// and its SHAREDCACHE and VTAB (a lock inside this process), and PROTOCOL
// (the WAL index stayed locked by another process through SQLite's retries).
// Each passes when the other holder is done, so a retry may well succeed.
func classify(code int) secusers.Fault {
	// Extended codes first.
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return secusers.FaultDuplicate
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return secusers.FaultDangling
	}
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL:
		return secusers.FaultBusy
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return secusers.FaultUnusable
	}
	return secusers.FaultUnknown
}
