package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// TestTranslate checks the error mapping with errors the server and the
// driver really return, so that an upgrade that changes them shows here.
func TestTranslate(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	kind := func(what string, err error, want secusers.Kind) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: got no error, want one", what)
			return
		}
		if got := secusers.KindOf(translate(err, "subject")); got != want {
			t.Errorf("%s (%v): got kind %v, want %v", what, err, got, want)
		}
	}

	_, err := s.pool.Exec(ctx, `INSERT INTO tenants (id, customer_id, name, created_at) VALUES ('t', 'missing', 'n', 0)`)
	kind("foreign key violation", err, secusers.NotFound)
	_, err = s.pool.Exec(ctx, `INSERT INTO partners (id, name, created_at) VALUES ('p', 'n', 0), ('p', 'n', 0)`)
	kind("primary key violation", err, secusers.Conflict)
	kind("no rows", s.pool.QueryRow(ctx, `SELECT 1 FROM partners WHERE false`).Scan(new(int)), secusers.NotFound)
	_, err = s.pool.Exec(ctx, `SELECT $1::text`, "nul\x00")
	kind("a NUL in text", err, secusers.Invalid)

	// A row lock held by one transaction, asked for without waiting by
	// another.
	if _, err := s.pool.Exec(ctx, `INSERT INTO partners (id, name, created_at) VALUES ('locked', 'n', 0)`); err != nil {
		t.Fatal(err)
	}
	holder, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT 1 FROM partners WHERE id = 'locked' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	_, err = s.pool.Exec(ctx, `SELECT 1 FROM partners WHERE id = 'locked' FOR UPDATE NOWAIT`)
	kind("lock not available", err, secusers.Unavailable)

	// A session the administrator terminates (57P01), as a restarting
	// server does to every session.
	victim, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Release()
	pid := victim.Conn().PgConn().PID()
	if _, err := s.pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	_, err = victim.Exec(ctx, `SELECT 1`)
	kind("terminated session", err, secusers.Unavailable)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Partner(canceled, "p")
	if !errors.Is(err, context.Canceled) || secusers.IsKind(err, secusers.Unavailable) {
		t.Errorf("cancelled context: got %v, want context.Canceled as it is", err)
	}
	expired, stop := context.WithTimeout(ctx, 0)
	defer stop()
	_, err = s.Partner(expired, "p")
	if !errors.Is(err, context.DeadlineExceeded) || !secusers.IsKind(err, secusers.Unavailable) {
		t.Errorf("expired context: got %v (kind %v), want Unavailable wrapping context.DeadlineExceeded", err, secusers.KindOf(err))
	}
	if err := translate(pgx.ErrTxClosed, ""); secusers.KindOf(err) != secusers.Internal {
		t.Errorf("a closed transaction: got kind %v, want internal", secusers.KindOf(err))
	}
}
