package pgtest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithParam(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?search_path=s%201&sslmode=disable"},
		{"postgresql://u@h/db", "postgresql://u@h/db?search_path=s%201"},
		{"host=h dbname=db", "host=h dbname=db search_path='s 1'"},
	} {
		got := WithParam(tc.dsn, "search_path", "s 1")
		if got != tc.want {
			t.Errorf("WithParam(%q): got %q, want %q", tc.dsn, got, tc.want)
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil || cfg.RuntimeParams["search_path"] != "s 1" {
			t.Errorf("WithParam(%q) = %q: parsed search_path %q, %v, want %q", tc.dsn, got, cfg.RuntimeParams["search_path"], err, "s 1")
		}
	}
	if got := Describe("postgres://u:secret@db.example:6543/app"); got != "db.example:6543/app" {
		t.Errorf("Describe: got %q, want db.example:6543/app", got)
	}
}

// TestDSN: the schema is new, empty, first in the search_path, and gone
// after the test.
func TestDSN(t *testing.T) {
	t.Parallel()
	var schema string
	t.Run("inner", func(t *testing.T) {
		dsn := DSN(t)
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var tables int
		err = conn.QueryRow(t.Context(), `SELECT current_schema(), (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())`).Scan(&schema, &tables)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(schema, schemaPrefix) || tables != 0 {
			t.Errorf("current schema: got %q with %d tables, want a new %s… schema without any", schema, tables, schemaPrefix)
		}
	})
	if schema == "" {
		return // skipped
	}
	admin, err := server()
	if err != nil {
		t.Fatal(err)
	}
	var left bool
	if err := admin.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left {
		t.Errorf("schema %s: still there after the test, want it dropped", schema)
	}
}

// TestUnreachable runs a test that calls DSN against a closed port, in a
// child process (the server connection is made once per process): it skips
// with a message that says where and what to set, or fails when the
// environment requires PostgreSQL.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	if os.Getenv("PGTEST_CHILD") == "1" {
		DSN(t)
		t.Fatal("DSN returned for an unreachable server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, require := range []string{"", "1"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUnreachable$", "-test.v")
		cmd.Env = append(os.Environ(), "PGTEST_CHILD=1", EnvRequire+"="+require,
			EnvDSN+"=postgres://postgres:secret@"+closed+"/test?sslmode=disable")
		out, err := cmd.CombinedOutput()
		text := string(out)
		if !strings.Contains(text, "PostgreSQL not reachable at "+closed+"/test") || !strings.Contains(text, "set "+EnvDSN) ||
			strings.Contains(text, "secret") {
			t.Errorf("%s=%q: got output\n%s\nwant the server named, the variable to set, and no password", EnvRequire, require, text)
		}
		switch {
		case require == "" && (err != nil || !strings.Contains(text, "--- SKIP")):
			t.Errorf("without %s: got %v and\n%s\nwant the test skipped", EnvRequire, err, text)
		case require == "1" && (err == nil || !strings.Contains(text, "--- FAIL")):
			t.Errorf("with %s=1: got %v and\n%s\nwant the test failed", EnvRequire, err, text)
		}
	}
}
