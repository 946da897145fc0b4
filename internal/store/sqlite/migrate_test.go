package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pressly/goose/v3"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
	"github.com/secusers/secusers/internal/userjson"
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
		if _, err := db.ExecContext(ctx, legacyInsertUser, legacyUserArgs(t, tenant, u)...); err != nil {
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
	args, err := userArgs(tenant, 7, users[3])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.ExecContext(ctx, insertUser, args...); !secusers.IsKind(translate(err, ""), secusers.Conflict) {
		t.Errorf("inserting a user again after the migration: got %v, want a conflict", err)
	}
	if got, want := usersIndexes(t, s), "users_by_id: CREATE UNIQUE INDEX users_by_id ON users (tenant_id, generation, id); "+
		"users_in_order: CREATE INDEX users_in_order ON users (tenant_id, generation, sort_key, id, status)"; got != want {
		t.Errorf("indexes of users: got %q, want %q", got, want)
	}
	page, err := s.SecurityUsers(ctx, tenant, secusers.UserQuery{Limit: 1000})
	if err != nil || page.Version != 7 {
		t.Errorf("users version after the migration: got %d, %v, want 7, nil", page.Version, err)
	}
	// The users written before the migration got their JSON from SQLite's
	// quoting (migration 00006): the same users.
	if diff := cmp.Diff(storetest.SecurityUsersInOrder(users), decodedPage(t, page), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("security users after the migration (-want +got):\n%s", diff)
	}
	// They are the tenant's current generation (migration 00008): their
	// statuses open their intervals, and no change is recorded.
	for _, u := range users {
		intervals, err := s.StatusIntervals(ctx, tenant, u.ID)
		if err != nil || len(intervals) != u.Status.Len() {
			t.Errorf("status intervals of %s after the migration: got %+v, %v; want %d open", u.ID, intervals, err, u.Status.Len())
		}
	}
	changes, err := s.Changes(ctx, secusers.ChangeQuery{TenantIDs: []string{tenant}, Limit: 10})
	if err != nil || len(changes.Changes) != 0 || changes.Latest.Seq != 1 {
		t.Errorf("changes after the migration: got %+v, %v; want none, the feed at 1", changes, err)
	}
}

// TestUsersOfAnOlderServerGetTheirJSON checks that a user inserted without
// the encoded fields, as a server of the release before migration 00006
// did during a rolling upgrade, is served with them (pageFields). It is
// written to generation 0, a tenant's before its first fill.
func TestUsersOfAnOlderServerGetTheirJSON(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	defer s.Close()
	ctx := t.Context()
	tenant := storetest.NewTenant(t, s)
	users := storetest.ShuffledUsers(20)
	users[0].DisplayName = "Zoë \"Q\" <b>\\ \u2028"
	for _, u := range users {
		if _, err := s.writer.ExecContext(ctx, legacyInsertUser, legacyUserArgs(t, tenant, u)...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO user_status_counts
		SELECT tenant_id, 0, status, count(*) FROM users WHERE tenant_id = ? GROUP BY status`, tenant); err != nil {
		t.Fatal(err)
	}
	page, err := s.SecurityUsers(ctx, tenant, secusers.UserQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storetest.SecurityUsersInOrder(users), decodedPage(t, page), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("security users written without their JSON (-want +got):\n%s", diff)
	}
}

// legacyInsertUser inserts a user as the releases before migration 00006
// did, without the encoded fields.
const legacyInsertUser = `INSERT INTO users (tenant_id, sort_key, ` + userColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// legacyUserArgs are legacyInsertUser's arguments: userArgs without fields.
func legacyUserArgs(t *testing.T, tenant string, u secusers.User) []any {
	args, err := userArgs(tenant, 0, u)
	if err != nil {
		t.Fatal(err)
	}
	return append([]any{args[0], args[2]}, args[4:]...)
}

func decodedPage(t *testing.T, page secusers.UserPage) []secusers.User {
	t.Helper()
	users, err := userjson.DecodePage(page)
	if err != nil {
		t.Fatal(err)
	}
	return users
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

// usersIndexes returns the definitions of the users table's indexes, by
// name.
func usersIndexes(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.reader.QueryContext(t.Context(),
		`SELECT name || ': ' || coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := collect(rows, func(row scanner) (string, error) {
		var d string
		return d, row.Scan(&d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(defs, "; ")
}
