package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"secusers/internal/secusers"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate is the one place where database errors become domain errors. It
// decides by SQLite's result code, never by message text, which changes
// between releases. subject names the record the statement was about
// ("partner 0f…"), for the caller-safe message; it may be "". Errors that are
// already domain errors, context errors, and anything it does not recognise
// pass through unchanged (the domain counts the last as Internal and shows
// nothing of it).
func translate(err error, subject string) error {
	if err == nil {
		return nil
	}
	var domain *secusers.Error
	if errors.As(err, &domain) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
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
	// Extended codes first; the primary code is the low byte.
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return secusers.Wrap(secusers.Conflict, err, subject+" already exists")
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return secusers.Wrap(secusers.NotFound, err, subject+" refers to a record that does not exist")
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return secusers.Wrap(secusers.Unavailable, err, "the database is busy; try again")
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return secusers.Wrap(secusers.Unavailable, err, "the database cannot be written or read")
	}
	return err
}

// notFound is the caller-safe error for a record that does not exist.
func notFound(kind, id string) error {
	return secusers.Errorf(secusers.NotFound, "%s %s not found", kind, id)
}
