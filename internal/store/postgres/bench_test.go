package postgres

import (
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks on a fresh schema. The
// store commits synchronously, as a server does: the figures include the
// WAL flush, and VACUUM can mark the pages a replacement wrote all-visible
// at once (it cannot while their inserting commit may still be unflushed).
// The users table is vacuumed before the pages are read: autovacuum sets
// the visibility map, which the index-only scans rely on, soon after a
// replacement, and a benchmark measures that steady state.
func BenchmarkStore(b *testing.B) {
	storetest.RunBenchmarks(b, func(b *testing.B) secusers.Store {
		return open(b, pgtest.WithParam(pgtest.DSN(b), "synchronous_commit", "on"))
	}, storetest.SettleWith(func(b *testing.B, s secusers.Store) {
		if _, err := s.(*Store).pool.Exec(b.Context(), `VACUUM (ANALYZE) users`); err != nil {
			b.Fatal(err)
		}
	}))
}
