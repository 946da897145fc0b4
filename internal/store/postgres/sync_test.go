package postgres

import (
	"testing"

	"secusers/internal/secusers"
	"secusers/internal/store/postgres/pgtest"
	"secusers/internal/store/storetest"
)

func TestSyncConformance(t *testing.T) {
	storetest.RunSync(t, func(t *testing.T) secusers.SyncStore {
		s, err := Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
