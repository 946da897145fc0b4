package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofrs/flock"
	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn  string
		want store.Location
	}{
		{"./secusers.db", store.Location{Kind: store.SQLite, Path: "./secusers.db"}},
		{"sqlite:data/s.db", store.Location{Kind: store.SQLite, Path: "data/s.db"}},
		{"sqlite:///var/lib/s.db", store.Location{Kind: store.SQLite, Path: "/var/lib/s.db"}},
		{"sqlite://s.db", store.Location{Kind: store.SQLite, Path: "s.db"}},
		{"dir/with:colon.db", store.Location{Kind: store.SQLite, Path: "dir/with:colon.db"}},
		{"postgres://u@h/d", store.Location{Kind: store.PostgreSQL, URL: "postgres://u@h/d"}},
		{"POSTGRESQL://u@h/d?sslmode=require", store.Location{Kind: store.PostgreSQL, URL: "postgresql://u@h/d?sslmode=require"}},
		{"Postgres://u:p@h/D", store.Location{Kind: store.PostgreSQL, URL: "postgres://u:p@h/D"}},
	} {
		got, err := store.Parse(tc.dsn)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.dsn, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.dsn, diff)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn  string
		want string
	}{
		{"mysql://u:secret@localhost/db", `unsupported database URL scheme "mysql"`},
		{"", "the database path is empty"},
		{"sqlite:", "the database path is empty"},
		{"  ", "the database path is empty"},
		{":memory:", "must be a file path"},
		{"sqlite::memory:", "must be a file path"},
		{"file:x.db?mode=memory", "must be a file path"},
		{"sqlite:file:x.db", "must be a file path"},
		{"host=db.internal user=secusers password=secret dbname=secusers", "keyword/value DSN"},
		{"  dbname=secusers password=secret", "keyword/value DSN"},
	} {
		_, err := store.Parse(tc.dsn)
		if !secusers.IsKind(err, secusers.Invalid) {
			t.Errorf("Parse(%q): got %v, want an Invalid error", tc.dsn, err)
			continue
		}
		if msg := secusers.MessageOf(err); !strings.Contains(msg, tc.want) || strings.Contains(msg, "secret") {
			t.Errorf("Parse(%q): got %q, want %q without the password", tc.dsn, msg, tc.want)
		}
	}
}

// TestValidate: a Location made by hand is checked as Parse checks one.
func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		loc  store.Location
		ok   bool
	}{
		{"zero", store.Location{}, false},
		{"SQLite without a path", store.Location{Kind: store.SQLite}, false},
		{"in-memory SQLite", store.Location{Kind: store.SQLite, Path: ":memory:"}, false},
		{"PostgreSQL without a URL", store.Location{Kind: store.PostgreSQL}, false},
		{"a file", store.Location{Kind: store.SQLite, Path: "s.db"}, true},
		{"a PostgreSQL URL", store.Location{Kind: store.PostgreSQL, URL: "postgres://h/d"}, true},
	} {
		if err := tc.loc.Validate(); (err == nil) != tc.ok || (err != nil && !secusers.IsKind(err, secusers.Invalid)) {
			t.Errorf("%s: Validate() = %v, want ok %v (or an Invalid error)", tc.name, err, tc.ok)
		}
	}
}

func TestStringHidesThePassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn, want string
	}{
		{"postgres://app:hunter2@db/secusers", "PostgreSQL"},
		{"sqlite:/var/lib/s.db", "/var/lib/s.db"},
	} {
		loc, err := store.Parse(tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		if got := loc.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.dsn, got, tc.want)
		}
	}
}

// TestFilesBeside: the files beside an SQLite database are named from its
// path, whichever spelling of --db names it; PostgreSQL has none.
func TestFilesBeside(t *testing.T) {
	t.Parallel()
	type files struct{ Key, Lock, Sync string }
	const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	of := func(l store.Location) files { return files{l.KeyFile(), l.MigrationLock(), l.SyncLock(tenant)} }
	beside := files{"/var/lib/s.db.key", "/var/lib/s.db.lock", "/var/lib/s.db.sync-" + tenant + ".lock"}
	for _, tc := range []struct {
		dsn  string
		want files
	}{
		{"/var/lib/s.db", beside},
		{"sqlite:/var/lib/s.db", beside},
		{"sqlite:///var/lib/s.db", beside},
		{"rel/s.db", files{"rel/s.db.key", "rel/s.db.lock", "rel/s.db.sync-" + tenant + ".lock"}},
		{"postgres://u:p@h/d", files{}},
	} {
		loc, err := store.Parse(tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, of(loc)); diff != "" {
			t.Errorf("files of %q (-want +got):\n%s", tc.dsn, diff)
		}
	}
}

// TestSQLiteFileNames shows that the lock files this package names (from
// internal/store/sqlite) are the ones the store locks, so that the schedule
// (which locks MigrationLock around River's migrations) and the store
// exclude each other.
func TestSQLiteFileNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc, err := store.Parse(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := loc.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(loc.MigrationLock()); err != nil {
		t.Errorf("the migration lock after Open: %v, want the store to have made it", err)
	}
	tenant := newTenant(ctx, t, st)
	_, release, err := st.LockTenantSync(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	other := flock.New(loc.SyncLock(tenant))
	if locked, err := other.TryLock(); err != nil || locked {
		t.Errorf("TryLock of SyncLock while the store holds the tenant's sync lock: got %v, %v; want it held", locked, err)
		other.Unlock()
	}
	release()
	if locked, err := other.TryLock(); err != nil || !locked {
		t.Errorf("TryLock of SyncLock after the release: got %v, %v; want it free", locked, err)
	}
	other.Unlock()
}

// newTenant creates a partner, customer and tenant and returns the tenant's
// id.
func newTenant(ctx context.Context, t *testing.T, st secusers.Store) string {
	t.Helper()
	p, err := st.CreatePartner(ctx, secusers.Partner{ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCustomer(ctx, secusers.Customer{ID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", PartnerID: p.ID, Organization: "C"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, secusers.Tenant{ID: "72f988bf-86f1-41af-91ab-2d7cd011db47", CustomerID: c.ID, Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// TestSQLiteURINamesTheStoresFile: a connection opened on SQLiteURI reads
// the file the store wrote, also when the path holds the characters a URI
// gives meaning to.
func TestSQLiteURINamesTheStoresFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "odd %41 dir?x=1#frag")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	loc, err := store.Parse("sqlite:" + filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := loc.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreatePartner(ctx, secusers.Partner{ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Name: "Through the URI"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", loc.SQLiteURI("_pragma=busy_timeout(1000)", "mode=ro"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var name string
	if err := db.QueryRowContext(ctx, `SELECT name FROM partners`).Scan(&name); err != nil || name != "Through the URI" {
		t.Errorf("the partner through SQLiteURI: got %q, %v; want the store's", name, err)
	}
	if got := (store.Location{Kind: store.PostgreSQL, URL: "postgres://h/d"}).SQLiteURI(); got != "" {
		t.Errorf("SQLiteURI of PostgreSQL: got %q, want none", got)
	}
}
