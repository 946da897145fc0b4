package storetest

import (
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// Clock checks that a store dates what it creates by the clock it was
// given, kept to the millisecond and in UTC whatever the clock's zone.
// open returns a fresh store on the clock now; Clock closes it. It is not
// part of Run because each store takes its clock through its own option.
func Clock(t *testing.T, open func(t *testing.T, now func() time.Time) secusers.Store) {
	t.Helper()
	at := time.Date(2026, 11, 29, 6, 0, 0, 123_456_789, time.FixedZone("CET", 3600))
	s := open(t, func() time.Time { return at })
	defer s.Close()
	p, err := s.CreatePartner(t.Context(), secusers.Partner{ID: newID(), Name: "Clocked"})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 29, 5, 0, 0, 123_000_000, time.UTC)
	if !p.CreatedAt.Equal(want) || p.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt: got %v, want %v", p.CreatedAt, want)
	}
}
