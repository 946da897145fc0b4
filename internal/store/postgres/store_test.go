package postgres

import (
	"testing"
	"time"

	"github.com/google/uuid"

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
	at := time.Date(2026, 11, 29, 6, 0, 0, 123_456_789, time.FixedZone("CET", 3600))
	s := open(t, pgtest.DSN(t), WithClock(func() time.Time { return at }))
	defer s.Close()
	p, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "Clocked"})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 29, 5, 0, 0, 123_000_000, time.UTC)
	if !p.CreatedAt.Equal(want) || p.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt: got %v, want %v", p.CreatedAt, want)
	}
}
