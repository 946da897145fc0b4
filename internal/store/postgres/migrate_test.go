package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestOpenRace opens one new database from several stores at once, as
// servers starting together would (storetest.RunOpenRace).
func TestOpenRace(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	files, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunOpenRace(t, storetest.OpenRace{
		Open: func(ctx context.Context) (secusers.Store, error) { return Open(ctx, dsn) },
		Applied: func(ctx context.Context, s secusers.Store) (applied int, err error) {
			err = s.(*Store).pool.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied)
			return applied, err
		},
		Embedded: len(files),
	})
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
