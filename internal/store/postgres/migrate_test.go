package postgres

import (
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// TestOpenRace opens one fresh schema from several stores at once, as
// servers starting together would: all succeed, each migration runs once,
// and they agree on one signing key.
func TestOpenRace(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	const openers = 4
	stores := make([]*Store, openers)
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: got error %v, want nil", i, err)
		}
		defer stores[i].Close()
	}
	var applied int
	err := stores[0].pool.QueryRow(t.Context(),
		`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied)
	if err != nil {
		t.Fatal(err)
	}
	files, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("migrations applied: got %d, want %d (each once)", applied, len(files))
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

	// A later start finds nothing to do.
	again := open(t, dsn)
	defer again.Close()
	if _, err := again.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "p"}); err != nil {
		t.Errorf("CreatePartner after reopening: got error %v, want nil", err)
	}
}

// TestSchemasAreSeparate: two schemas of one database (two deployments, or
// two tests) have their own tables and migrate independently.
func TestSchemasAreSeparate(t *testing.T) {
	t.Parallel()
	a, b := open(t, pgtest.DSN(t)), open(t, pgtest.DSN(t))
	defer a.Close()
	defer b.Close()
	p, err := a.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "Only in a"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Partner(t.Context(), p.ID)
	if !secusers.IsKind(err, secusers.NotFound) {
		t.Errorf("Partner of schema a read through schema b: got %v, want NotFound", err)
	}
}

// TestOpenMissingSchema: a search_path that names no existing schema is the
// operator's mistake, said as such, not a failure to connect.
func TestOpenMissingSchema(t *testing.T) {
	t.Parallel()
	dsn := pgtest.WithParam(pgtest.BaseDSN(), "search_path", "secusers_no_such_schema")
	pgtest.DSN(t) // skips without a server
	_, err := Open(t.Context(), dsn)
	if !secusers.IsKind(err, secusers.Invalid) || !strings.Contains(secusers.MessageOf(err), "search_path") {
		t.Errorf("Open with a missing schema: got %v, want an Invalid error about the search_path", err)
	}
}
