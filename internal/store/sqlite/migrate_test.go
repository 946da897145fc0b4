package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestMigrateUsersToUniqueIndex fills a database at schema version 2 (users
// keyed by a PRIMARY KEY), opens it, which migrates it, and checks that
// every user is kept, in the API's order, and that an id still cannot
// repeat within a tenant.
func TestMigrateUsersToUniqueIndex(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	const tenant = "0f8fad5b-d9cb-469f-a165-70867728950e"
	for _, q := range []string{
		`INSERT INTO partners VALUES ('p', 'P', 0)`,
		`INSERT INTO customers VALUES ('c', 'p', 'C', 0)`,
		`INSERT INTO tenants (id, customer_id, name, created_at, users_version) VALUES ('` + tenant + `', 'c', 'T', 0, 7)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	users := storetest.ShuffledUsers(30)
	for _, u := range users {
		if _, err := db.ExecContext(ctx, insertUser, userArgs(tenant, u)...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s := open(t, path)
	defer s.Close()
	var got []secusers.User
	for u, err := range s.Users(ctx, tenant) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	want := slices.Clone(users)
	slices.SortFunc(want, func(a, b secusers.User) int {
		ka, kb := secusers.KeyOf(a), secusers.KeyOf(b)
		if ka.Less(kb) {
			return -1
		}
		return 1
	})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users after the migration (-want +got):\n%s", diff)
	}
	if _, err := s.writer.ExecContext(ctx, insertUser, userArgs(tenant, users[3])...); !secusers.IsKind(translate(err, ""), secusers.Conflict) {
		t.Errorf("inserting a user again after the migration: got %v, want a conflict", err)
	}
	if got, want := usersIndexes(t, s), "users_by_id: CREATE UNIQUE INDEX users_by_id ON users (tenant_id, id); "+
		"users_in_order: CREATE INDEX users_in_order ON users (tenant_id, sort_key, id, status)"; got != want {
		t.Errorf("indexes of users: got %q, want %q", got, want)
	}
	page, err := s.SecurityUsers(ctx, tenant, secusers.UserQuery{Limit: 1})
	if err != nil || page.Version != 7 {
		t.Errorf("users version after the migration: got %d, %v, want 7, nil", page.Version, err)
	}
}

// TestOpenRace opens one new database from several stores at once, as
// servers starting together would (storetest.RunOpenRace).
func TestOpenRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	storetest.RunOpenRace(t, storetest.OpenRace{
		Open: func(ctx context.Context) (secusers.Store, error) { return Open(ctx, path) },
		Applied: func(ctx context.Context, s secusers.Store) (applied int, err error) {
			return applied, s.(*Store).reader.QueryRowContext(ctx, appliedMigrations).Scan(&applied)
		},
		Embedded: embeddedMigrations(t),
	})
}

// appliedMigrations counts the migrations goose records as applied.
const appliedMigrations = `SELECT count(*) FROM goose_db_version WHERE version_id > 0`

// embeddedMigrations returns how many migrations the store embeds.
func embeddedMigrations(t *testing.T) int {
	files, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}
