//go:build unix

package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// TestPingFailsWhenNotReady damages or locks a database under an open
// store, as happens to a running server, and checks that Ping, which
// /readyz calls with a 2 s deadline, fails with Unavailable in each case,
// while before it answered SELECT 1 from a pooled connection whatever the
// file held.
func TestPingFailsWhenNotReady(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage over the header", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, 100), 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"locked by another process", func(t *testing.T, path string) {
			startLockHolder(t, holdWALIndex, path)
		}},
		{"older schema", func(t *testing.T, path string) {
			setSchemaVersion(t, path, `DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`)
		}},
		{"no schema", func(t *testing.T, path string) {
			setSchemaVersion(t, path, `DELETE FROM goose_db_version`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ready.db")
			s := open(t, path)
			defer s.Close()
			if _, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "P"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(t.Context()); err != nil {
				t.Fatalf("Ping before: got %v, want nil", err)
			}
			tc.damage(t, path)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			start := time.Now()
			err := s.Ping(ctx)
			if !secusers.IsKind(err, secusers.Unavailable) || secusers.MessageOf(err) == "" {
				t.Errorf("Ping: got %v (kind %v), want Unavailable with a message", err, secusers.KindOf(err))
			}
			if took := time.Since(start); took > waitBound {
				t.Errorf("Ping: took %v, want at most the 2 s deadline", took)
			}
		})
	}
}

// TestPingAcceptsNewerSchema: a database a newer release has migrated
// further is ready for this one (a rolling upgrade).
func TestPingAcceptsNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "newer.db")
	s := open(t, path)
	defer s.Close()
	setSchemaVersion(t, path, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, 1)`)
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping of a newer schema: got %v, want nil", err)
	}
}

// setSchemaVersion changes goose's version table with stmt, through a
// connection of its own, as another release or a restore would.
func setSchemaVersion(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := pool(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
