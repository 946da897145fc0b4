package postgres

import (
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) secusers.Store {
		return open(t, pgtest.DSN(t))
	})
}

// open opens a store on dsn; the caller closes it.
func open(t testing.TB, dsn string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, opts...)
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	return s
}

func TestWithClock(t *testing.T) {
	t.Parallel()
	storetest.Clock(t, func(t *testing.T, now func() time.Time) secusers.Store {
		return open(t, pgtest.DSN(t), WithClock(now))
	})
}
