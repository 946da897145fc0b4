package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
	"github.com/secusers/secusers/internal/store/postgres"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"sqlite://" + filepath.Join(dir, "url.db"), // an absolute path: sqlite:///tmp/…
	} {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if err := st.Ping(context.Background()); err != nil {
			t.Errorf("Ping after Open(%q): %v", dsn, err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn  string
		want string
	}{
		{"mysql://localhost/db", `unsupported database URL scheme "mysql"`},
		{"sqlite:", "empty"},
		{"", "empty"},
	} {
		_, err := store.Open(context.Background(), tc.dsn)
		if err == nil {
			t.Errorf("Open(%q): got no error, want %q", tc.dsn, tc.want)
			continue
		}
		if msg := secusers.MessageOf(err); !strings.Contains(msg, tc.want) || strings.Contains(msg, "secret") {
			t.Errorf("Open(%q): got %q, want %q without the password", tc.dsn, msg, tc.want)
		}
	}
}

// TestOpenPostgres opens the PostgreSQL store through both URL schemes, in
// any letter case, with the clock option. It skips without a reachable
// server (see pgtest).
func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	rest, _ := strings.CutPrefix(dsn, "postgres://")
	for _, dsn := range []string{"postgres://" + rest, "postgresql://" + rest, "POSTGRES://" + rest} {
		st, err := store.Open(t.Context(), dsn, store.WithClock(func() time.Time { return time.UnixMilli(1234).UTC() }))
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if _, ok := st.(*postgres.Store); !ok {
			t.Errorf("Open(%q): got a %T, want a *postgres.Store", dsn, st)
		}
		p, err := st.CreatePartner(t.Context(), secusers.Partner{ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Name: "Clocked"})
		if err == nil && !p.CreatedAt.Equal(time.UnixMilli(1234)) {
			t.Errorf("CreatedAt through Open(%q): got %v, want the clock's time", dsn, p.CreatedAt)
		}
		if err != nil && !secusers.IsKind(err, secusers.Conflict) { // the second and third find the first's partner
			t.Errorf("CreatePartner through Open(%q): %v", dsn, err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
}

// TestOpenPostgresUnreachable: an unreachable server is Unavailable, fails
// fast, and the password stays out of the error.
func TestOpenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	st, err := store.Open(t.Context(), "postgresql://u:secret@"+addr+"/db?sslmode=disable")
	if st != nil || !secusers.IsKind(err, secusers.Unavailable) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open of a closed port: got %v, %v, want a nil store and an Unavailable error without the password", st, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open of a closed port: took %v, want a fast failure", d)
	}
}

// TestWithLoggerReachesSQLite: the SQLite store's warning about a database
// other users could read goes to the logger given to Open.
func TestWithLoggerReachesSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st, err := store.Open(context.Background(), path, store.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after Open: got %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "file="+path) {
		t.Errorf("logs: got %q, want a warning naming %s", logs.String(), path)
	}
}
