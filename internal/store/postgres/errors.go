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

// translate is the one place where database errors become domain errors:
// it classifies err by SQLSTATE and by error type, never by message text,
// which changes between releases and languages, and secusers.StoreError
// words it. subject names the record the statement was about ("partner
// 0f…"), for the caller-safe message; it may be "". No message carries the
// DSN or the driver's text.
func translate(err error, subject string) error {
	return secusers.StoreError(err, subject, fault(err))
}

// fault classifies err: no row, an unreachable server, or the fault of its
// SQLSTATE. A deadline that passed while a statement ran is none of these:
// StoreError makes it Unavailable, since the database is too slow or has
// gone silent and the caller may retry later.
func fault(err error) secusers.Fault {
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return secusers.FaultNoRow
	case unreachable(err):
		return secusers.FaultUnreachable
	case !errors.As(err, &pe):
		return secusers.FaultUnknown
	case pe.Code == "23505": // unique_violation
		return secusers.FaultDuplicate
	case pe.Code == "23503": // foreign_key_violation
		return secusers.FaultDangling
	case pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03", pe.Code == "53300":
		// serialization_failure, deadlock_detected, lock_not_available,
		// too_many_connections: the write raced others or the server is
		// full, and a retry may well succeed.
		return secusers.FaultBusy
	case strings.HasPrefix(pe.Code, "22"):
		// data_exception: a value the domain's validation let through but
		// the database refuses (such as a NUL in a page position).
		return secusers.FaultBadValue
	}
	return secusers.FaultUnknown
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
