package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/secusers/secusers/internal/secusers"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate is the one place where database errors become domain errors. It
// decides by SQLite's result code, never by message text, which changes
// between releases. subject names the record the statement was about
// ("partner 0f…"), for the caller-safe message; it may be "". Errors that are
// already domain errors, a cancelled context, and anything it does not
// recognise pass through unchanged (the domain counts the last as Internal
// and shows nothing of it). A passed deadline is Unavailable, as in the
// PostgreSQL store: the database did not answer in time, and the caller
// may retry; the context's error stays in the chain.
func translate(err error, subject string) error {
	if err == nil {
		return nil
	}
	var domain *secusers.Error
	if errors.As(err, &domain) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return secusers.Wrap(secusers.Unavailable, err, "the database did not answer in time")
	}
	if subject == "" {
		subject = "the record"
	}
	if errors.Is(err, sql.ErrNoRows) {
		return secusers.Errorf(secusers.NotFound, "%s not found", subject)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	kind, message := classify(se.Code(), subject)
	if kind == secusers.Internal {
		return err
	}
	return secusers.Wrap(kind, err, message)
}

// classify returns the kind of an SQLite result code and the caller-safe
// message of its error about subject. Codes it does not know are Internal.
//
// Every code of the lock family is Unavailable, extended codes included
// (the primary code is the low byte): BUSY and its RECOVERY, SNAPSHOT and
// TIMEOUT (another connection holds a lock, or recovers the WAL), LOCKED
// and its SHAREDCACHE and VTAB (a lock inside this process), and PROTOCOL
// (the WAL index stayed locked by another process through SQLite's retries).
// Each passes when the other holder is done, so a retry may well succeed.
func classify(code int, subject string) (secusers.Kind, string) {
	// Extended codes first.
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return secusers.Conflict, subject + " already exists"
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return secusers.NotFound, subject + " refers to a record that does not exist"
	}
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL:
		return secusers.Unavailable, "the database is busy; try again"
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return secusers.Unavailable, "the database cannot be written or read"
	}
	return secusers.Internal, ""
}

// notFound is the caller-safe error for a record that does not exist.
func notFound(kind, id string) error {
	return secusers.Errorf(secusers.NotFound, "%s %s not found", kind, id)
}
