package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

// The jobs live beside the store's tables, in the same SQLite file or
// PostgreSQL schema, whichever is opened first on a new database: neither's
// migrations trip over the other's tables or locks.
func TestSharesTheStoresDatabase(t *testing.T) {
	t.Parallel()
	for _, storeFirst := range []bool{true, false} {
		name := "schedule first"
		if storeFirst {
			name = "store first"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			forEachBackend(t, func(t *testing.T, dsn string) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				rec := newRecorder(0)
				var st secusers.Store
				if storeFirst {
					st = openStore(ctx, t, dsn)
				}
				s := start(t, testConfig(t, dsn, rec))
				if !storeFirst {
					st = openStore(ctx, t, dsn)
				}
				if err := st.Ping(ctx); err != nil {
					t.Fatalf("Ping: %v", err)
				}
				if err := s.Enqueue(ctx, "t1"); err != nil {
					t.Fatalf("Enqueue: %v", err)
				}
				waitFor(t, 10*time.Second, "the sync to run", func() bool { return rec.count("t1") == 1 })
			})
		})
	}
}

// openStore opens the store on dsn and closes it when the test ends.
func openStore(ctx context.Context, t *testing.T, dsn string) secusers.Store {
	t.Helper()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
