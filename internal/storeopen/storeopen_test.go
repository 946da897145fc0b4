package storeopen_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"secusers/internal/secusers"
	"secusers/internal/storeopen"
)

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"sqlite://" + filepath.Join(dir, "url.db"), // an absolute path: sqlite:///tmp/…
	} {
		st, err := storeopen.Open(context.Background(), dsn)
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
		{"postgres://u:secret@localhost/db", "PostgreSQL support is not built yet"},
		{"postgresql://localhost/db", "PostgreSQL support is not built yet"},
		{"mysql://localhost/db", `unsupported database URL scheme "mysql"`},
		{"sqlite:", "empty"},
		{"", "empty"},
	} {
		_, err := storeopen.Open(context.Background(), tc.dsn)
		if err == nil {
			t.Errorf("Open(%q): got no error, want %q", tc.dsn, tc.want)
			continue
		}
		if msg := secusers.MessageOf(err); !strings.Contains(msg, tc.want) || strings.Contains(msg, "secret") {
			t.Errorf("Open(%q): got %q, want %q without the password", tc.dsn, msg, tc.want)
		}
	}
}
