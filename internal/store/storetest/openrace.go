package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// OpenRace is what RunOpenRace needs of a backend.
type OpenRace struct {
	// Open opens a store on the one new database of the test. It is called
	// from several goroutines at once.
	Open func(ctx context.Context) (secusers.Store, error)
	// Applied returns how many migrations the database behind s records as
	// applied, and Embedded is how many the binary embeds: each runs once.
	Applied  func(ctx context.Context, s secusers.Store) (int, error)
	Embedded int
}

// RunOpenRace opens one new database from several stores at once, as
// servers or processes starting together would: every open succeeds, each
// migration runs once, every store works whichever ran the migrations, all
// agree on one signing key, and a later open finds nothing to do.
func RunOpenRace(t *testing.T, race OpenRace) {
	t.Helper()
	const openers = 4
	stores := make([]secusers.Store, openers)
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Go(func() { stores[i], errs[i] = race.Open(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		must(t, "Open", err)
		t.Cleanup(func() { stores[i].Close() })
	}
	applied, err := race.Applied(t.Context(), stores[0])
	must(t, "migrations applied", err)
	if applied != race.Embedded {
		t.Errorf("migrations applied: got %d, want %d (each once)", applied, race.Embedded)
	}
	keys := make([]secusers.SigningKey, openers)
	for i, s := range stores {
		wg.Go(func() {
			var err error
			keys[i], err = s.EnsureSigningKey(t.Context(), secusers.SigningKey{ID: uuid.NewString(), Algorithm: "RS256", PrivateKey: []byte{byte(i)}})
			if err != nil {
				t.Errorf("store %d: EnsureSigningKey: got error %v, want nil", i, err)
			}
		})
	}
	wg.Wait()
	for i, k := range keys {
		if k.ID != keys[0].ID {
			t.Errorf("store %d: got signing key %s, want %s (store 0's)", i, k.ID, keys[0].ID)
		}
	}
	again, err := race.Open(t.Context())
	must(t, "Open again", err)
	defer again.Close()
	for i, s := range append(stores, again) {
		if _, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "p"}); err != nil {
			t.Errorf("store %d: CreatePartner: got error %v, want nil", i, err)
		}
	}
}
