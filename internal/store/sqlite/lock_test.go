//go:build unix

package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// waitBound is how long a call with a 300 ms deadline may take against a
// locked database: generous for a busy machine, and far below the 10 s that
// SQLite waits on its own.
const waitBound = 5 * time.Second

// TestDeadlineBoundsLockedDatabase holds the WAL index's locks in another
// process, as one recovering the index does, and checks that reads and
// writes with a 300 ms deadline give up with it, as Unavailable, instead of
// after SQLite's 10 s of retries; and that the store serves again once the
// lock is gone.
func TestDeadlineBoundsLockedDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "locked.db")
	s := open(t, path)
	defer s.Close()
	p, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "Before"})
	if err != nil {
		t.Fatal(err)
	}
	release := startLockHolder(t, holdWALIndex, path)
	for _, tc := range []struct {
		name string
		call func(context.Context) error
	}{
		{"read", func(ctx context.Context) error { _, err := s.Partner(ctx, p.ID); return err }},
		{"write", func(ctx context.Context) error {
			_, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "During"})
			return err
		}},
		{"ping", s.Ping},
		// The pool is busy with the abandoned calls above; a call must
		// still not wait past its deadline for a connection.
		{"read again", func(ctx context.Context) error { _, err := s.Partners(ctx); return err }},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		start := time.Now()
		err := tc.call(ctx)
		took := time.Since(start)
		cancel()
		if !secusers.IsKind(err, secusers.Unavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with the WAL index locked: got %v (kind %v), want Unavailable for the deadline", tc.name, err, secusers.KindOf(err))
		}
		if took > waitBound {
			t.Errorf("%s with the WAL index locked: took %v, want the 300 ms deadline (at most %v)", tc.name, took, waitBound)
		}
	}
	release()
	if _, err := s.Partner(t.Context(), p.ID); err != nil {
		t.Errorf("Partner after the lock is released: got %v, want nil", err)
	}
}

// TestLockedPastRetriesIsUnavailable waits out SQLite's own retries (about
// 10 s, so it runs in parallel with the rest): without a deadline, a read
// of a database whose WAL index another process holds ends in
// SQLITE_PROTOCOL, which is Unavailable, not an internal fault.
func TestLockedPastRetriesIsUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 10 s for SQLite's retries")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "protocol.db")
	s := open(t, path)
	defer s.Close()
	startLockHolder(t, holdWALIndex, path)
	_, err := s.Partners(context.Background())
	if !secusers.IsKind(err, secusers.Unavailable) {
		t.Errorf("Partners with the WAL index locked, no deadline: got %v (kind %v), want Unavailable", err, secusers.KindOf(err))
	}
}

// TestOpenGivesUpAtDeadline: a database that another process holds in
// EXCLUSIVE locking mode cannot be opened; Open says so when its context
// ends instead of after the 10 s busy timeout.
func TestOpenGivesUpAtDeadline(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "exclusive.db")
	s := open(t, path)
	s.Close()
	startLockHolder(t, holdExclusive, path)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	s, err := Open(ctx, path)
	if err == nil {
		s.Close()
	}
	if took := time.Since(start); !secusers.IsKind(err, secusers.Unavailable) || took > waitBound {
		t.Errorf("Open of a database held exclusively: got %v (kind %v) after %v, want Unavailable within %v",
			err, secusers.KindOf(err), took, waitBound)
	}
}
