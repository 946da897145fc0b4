package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

func TestSyncConformance(t *testing.T) {
	storetest.RunSync(t, func(t *testing.T) secusers.SyncStore {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "sync.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
