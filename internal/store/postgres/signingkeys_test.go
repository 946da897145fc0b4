package postgres

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// newKey returns a candidate signing key; the store keeps the private key
// as opaque bytes.
func newKey() secusers.SigningKey {
	return secusers.SigningKey{ID: uuid.NewString(), Algorithm: "RS256", PrivateKey: []byte(uuid.NewString())}
}

// TestRotateConcurrently: rotations from several stores (servers) at once
// all succeed, one after the other, leaving exactly one active key.
func TestRotateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	stores := []*Store{open(t, dsn), open(t, dsn)}
	defer stores[0].Close()
	defer stores[1].Close()
	const rotations = 12
	var wg sync.WaitGroup
	for i := range rotations {
		wg.Go(func() {
			if _, err := stores[i%2].RotateSigningKey(t.Context(), newKey()); err != nil {
				t.Errorf("RotateSigningKey: got error %v, want nil", err)
			}
		})
	}
	wg.Wait()
	keys, err := stores[0].SigningKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			active++
		}
	}
	if len(keys) != rotations || active != 1 || !keys[0].RetiredAt.IsZero() {
		t.Errorf("after %d concurrent rotations: got %d keys, %d active (first active: %v), want %d, 1, true",
			rotations, len(keys), active, keys[0].RetiredAt.IsZero(), rotations)
	}
}
