package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secusers/secusers/internal/secusers"
)

// translate is the one place where database errors become domain errors. It
// decides by SQLSTATE and by error type, never by message text, which
// changes between releases and languages. subject names the record the
// statement was about ("partner 0f…"), for the caller-safe message; it may
// be "". Domain errors and a cancelled context pass through unchanged, and so
// does anything it does not recognise (the domain counts that as Internal
// and shows nothing of it). No message it makes carries the DSN or the
// driver's text.
func translate(err error, subject string) error {
	if err == nil {
		return nil
	}
	var domain *secusers.Error
	if errors.As(err, &domain) || errors.Is(err, context.Canceled) {
		return err
	}
	if subject == "" {
		subject = "the record"
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return secusers.Errorf(secusers.NotFound, "%s not found", subject)
	}
	if unreachable(err) {
		return secusers.Wrap(secusers.Unavailable, err, "the database is unreachable")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// A deadline that passes while a statement runs means the database
		// is too slow or has gone silent: the caller may retry later.
		return secusers.Wrap(secusers.Unavailable, err, "the database did not answer in time")
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "23505": // unique_violation
		return secusers.Wrap(secusers.Conflict, err, subject+" already exists")
	case pe.Code == "23503": // foreign_key_violation
		return secusers.Wrap(secusers.NotFound, err, subject+" refers to a record that does not exist")
	case pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03", pe.Code == "53300":
		// serialization_failure, deadlock_detected, lock_not_available,
		// too_many_connections: the write raced others or the server is
		// full, and a retry may well succeed.
		return secusers.Wrap(secusers.Unavailable, err, "the database is busy; try again")
	case strings.HasPrefix(pe.Code, "22"):
		// data_exception: a value the domain's validation let through but
		// the database refuses (such as a NUL in a page position).
		return secusers.Wrap(secusers.Invalid, err, subject+" has a value the database cannot store")
	}
	return err
}

// unreachable reports whether err says that the server cannot be reached or
// dropped the connection: a failed connection attempt (refused, timed out,
// authentication or a missing database included, all of which only the
// operator can fix), a network error or a connection closed mid-statement,
// or the server shutting down or starting up (SQLSTATE class 08, 57P01–03).
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &ce):
		return true
	case errors.Is(err, context.DeadlineExceeded):
		// It is a net.Error too, but says nothing about the network.
		return false
	case errors.As(err, &ne):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	// pgconn marks errors that happened before anything reached the
	// server, such as using a connection that an earlier failure closed.
	return pgconn.SafeToRetry(err)
}

// notFound is the caller-safe error for a record that does not exist.
func notFound(kind, id string) error {
	return secusers.Errorf(secusers.NotFound, "%s %s not found", kind, id)
}
