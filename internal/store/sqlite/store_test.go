package sqlite

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) secusers.Store {
		return open(t, filepath.Join(t.TempDir(), "secusers.db"))
	})
}

// open opens a store at path; the caller closes it.
func open(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%q): got error %v, want nil", path, err)
	}
	return s
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kept.db")
	s := open(t, path)
	p, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "Kept"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got error %v, want nil", err)
	}
	s = open(t, path)
	defer s.Close()
	got, err := s.Partner(t.Context(), p.ID)
	if err != nil {
		t.Fatalf("Partner after reopening: got error %v, want nil", err)
	}
	if got != p {
		t.Errorf("Partner after reopening: got %+v, want %+v", got, p)
	}
	var mode string
	if err := s.reader.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal mode: got %q, want wal", mode)
	}
}

func TestWithClock(t *testing.T) {
	storetest.Clock(t, func(t *testing.T, now func() time.Time) secusers.Store {
		return open(t, filepath.Join(t.TempDir(), "clock.db"), WithClock(now))
	})
}

func TestOddPaths(t *testing.T) {
	for _, name := range []string{"with space.db", "what?.db", "hash#.db", "per%20cent.db", "ünï.db"} {
		path := filepath.Join(t.TempDir(), name)
		s := open(t, path)
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("Open(%q): got no file of that name (%v), want one", path, err)
		}
	}
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		_, err := Open(t.Context(), path)
		if !secusers.IsKind(err, secusers.Invalid) {
			t.Errorf("Open(%q): got error %v, want an Invalid one", path, err)
		}
	}
}

// TestTwoStoresOneFile runs writers through two stores on one file, as two
// processes would: their transactions queue on SQLite's lock (busy_timeout)
// instead of failing, and EnsureSigningKey still yields one key.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := []*Store{open(t, path), open(t, path)}
	defer stores[0].Close()
	defer stores[1].Close()
	ctx := t.Context()
	p, err := stores[0].CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Shared"})
	if err != nil {
		t.Fatal(err)
	}
	const callers, rounds = 16, 10
	keys := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		s := stores[i%2]
		wg.Go(func() {
			k, err := s.EnsureSigningKey(ctx, secusers.SigningKey{ID: uuid.NewString(), Algorithm: "RS256", PrivateKey: []byte{byte(i)}})
			if err != nil {
				t.Errorf("EnsureSigningKey: got error %v, want nil", err)
			}
			keys[i] = k.ID
			for range rounds {
				_, err = s.CreateCustomer(ctx, secusers.Customer{ID: uuid.NewString(), PartnerID: p.ID, Organization: "c"})
				if err != nil {
					t.Errorf("CreateCustomer: got error %v, want nil", err)
				}
			}
		})
	}
	wg.Wait()
	for i, k := range keys {
		if k != keys[0] {
			t.Errorf("caller %d: got key %s, want %s (caller 0's)", i, k, keys[0])
		}
	}
	for i, s := range stores {
		customers, err := s.Customers(ctx, p.ID)
		if err != nil || len(customers) != callers*rounds {
			t.Errorf("store %d: Customers: got %d, %v, want %d, nil", i, len(customers), err, callers*rounds)
		}
	}
}
