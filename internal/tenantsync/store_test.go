package tenantsync_test

import (
	"path/filepath"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// newStore returns a new SQLite store: the sync's tests run on the real
// thing, whose SyncUsers is the transaction they are about.
func newStore(t testing.TB) secusers.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "sync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
