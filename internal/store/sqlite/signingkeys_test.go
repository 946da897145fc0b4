package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// TestPruneRoundsUp checks the millisecond rounding of PruneSigningKeys: a
// key retired at T (kept as milliseconds) was retired before T+0.5 ms, but
// not before T itself.
func TestPruneRoundsUp(t *testing.T) {
	at := time.Date(2026, 11, 29, 6, 0, 0, 7_000_000, time.UTC)
	s := open(t, filepath.Join(t.TempDir(), "prune.db"), WithClock(func() time.Time { return at }))
	defer s.Close()
	ctx := t.Context()
	for range 2 { // the first key, then its successor, which retires it at `at`
		if _, err := s.RotateSigningKey(ctx, secusers.SigningKey{ID: uuid.NewString(), Algorithm: "RS256", PrivateKey: []byte{1}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		before time.Time
		want   int
	}{
		{at, 0},
		{at.Add(500 * time.Microsecond), 1},
	} {
		n, err := s.PruneSigningKeys(ctx, tc.before)
		if err != nil || n != tc.want {
			t.Errorf("PruneSigningKeys(%v) of a key retired at %v: got %d, %v, want %d, nil", tc.before, at, n, err, tc.want)
		}
	}
}
