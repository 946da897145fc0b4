package postgres

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

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

// TestMigrateGenerations migrates a database that an earlier release
// filled (schema 00005) to generations (00006): each tenant's users become
// its current generation, with its users version as number, a seq in the
// feed and their statuses as the start of open intervals, and no change;
// a replacement then compares with them, and deletes the stale blocks. The
// migration goes down and up again.
func TestMigrateGenerations(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := t.Context()
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}

	// As the earlier release left them: tenant a replaced twice, its
	// blocks built by the first replacement (stale); b once, without
	// blocks; c never.
	partner, customer := uuid.NewString(), uuid.NewString()
	a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
	exec(`INSERT INTO partners (id, name, created_at) VALUES ($1, 'P', 0)`, partner)
	exec(`INSERT INTO customers (id, partner_id, organization, created_at) VALUES ($1, $2, 'C', 0)`, customer, partner)
	for _, tn := range []struct {
		id              string
		version, blocks int64
	}{{a, 2, 1}, {b, 1, -1}, {c, 0, -1}} {
		exec(`INSERT INTO tenants (id, customer_id, name, created_at, users_version, blocks_version) VALUES ($1, $2, 't', 0, $3, $4)`,
			tn.id, customer, tn.version, tn.blocks)
	}
	exec(`INSERT INTO user_blocks (tenant_id, filter, block, last_sort_key, last_id, users, data) VALUES ($1, 511, 0, '', '', 0, '')`, a)
	usersOf := map[string][]secusers.User{a: mixedUsers(30), b: mixedUsers(10)}
	for tenant, users := range usersOf {
		for _, u := range users {
			values, err := userValues(nil, tenant, 0, u)
			if err != nil {
				t.Fatal(err)
			}
			values = append(values[:1:1], values[2:]...) // no generation before 00006
			exec(`INSERT INTO users (tenant_id, sort_key, fields, `+userColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`, values...)
		}
		exec(`INSERT INTO user_status_counts (tenant_id, status, users)
			SELECT tenant_id, status, count(*) FROM users WHERE tenant_id = $1 GROUP BY tenant_id, status`, tenant)
	}

	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	s := open(t, dsn)
	page, err := s.Changes(ctx, secusers.ChangeQuery{TenantIDs: []string{a, b, c}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != 0 || page.Latest.Seq != 2 {
		t.Errorf("Changes after the migration: got %d changes, feed's end %d; want none, 2 (two tenants filled)", len(page.Changes), page.Latest.Seq)
	}
	for tenant, users := range usersOf {
		got := map[string]secusers.StatusSet{}
		for u, err := range s.Users(ctx, tenant) {
			if err != nil {
				t.Fatal(err)
			}
			got[u.ID] = u.Status
		}
		if len(got) != len(users) {
			t.Errorf("tenant %s after the migration: got %d users, want %d", tenant, len(got), len(users))
		}
		for _, u := range users {
			if st, ok := got[u.ID]; !ok || st != u.Status {
				t.Errorf("user %s after the migration: got status %v (%v), want %v", u.ID, st, ok, u.Status)
			}
			intervals, err := s.StatusIntervals(ctx, tenant, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			opened := 0
			for _, in := range intervals {
				if in.To.IsZero() && u.Status.Has(in.Status) {
					opened++
				}
			}
			if opened != u.Status.Len() || len(intervals) != opened {
				t.Errorf("user %s after the migration: got intervals %+v, want one open per status of %v", u.ID, intervals, u.Status)
			}
		}
	}
	if p, err := s.SecurityUsers(ctx, a, secusers.UserQuery{Limit: 5}); err != nil || p.Version != 2 || p.FromBlocks {
		t.Errorf("SecurityUsers of tenant a after the migration: got version %d, from blocks %v, %v; want 2, from rows", p.Version, p.FromBlocks, err)
	}

	// A replacement compares with the migrated users.
	old := usersOf[a]
	next := append(mixedUsers(3), old[5:]...)
	next[3].Status = next[3].Status.With(secusers.HighRisk)
	r, err := s.ReplaceUsers(ctx, a, storetest.Seq(next))
	if err != nil || r.Before != len(old) {
		t.Fatalf("ReplaceUsers after the migration: got %+v, %v; want %d before", r, err, len(old))
	}
	want := 0
	was := map[string]secusers.StatusSet{}
	for _, u := range old {
		was[u.ID] = u.Status
	}
	for _, u := range next {
		added, removed := secusers.ChangesOf(was[u.ID], u.Status)
		want += added.Len() + removed.Len()
		delete(was, u.ID)
	}
	for _, st := range was {
		want += st.Len()
	}
	page, err = s.Changes(ctx, secusers.ChangeQuery{TenantIDs: []string{a}, Limit: 1000})
	if err != nil || len(page.Changes) != want || want == 0 {
		t.Errorf("Changes of a replacement after the migration: got %d, %v; want %d", len(page.Changes), err, want)
	}
	var stale int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM user_blocks WHERE tenant_id = $1 AND generation < 3`, a).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("blocks of old generations after a replacement: got %d, %v; want 0", stale, err)
	}
	s.Close()

	// Down keeps each tenant's current users, and up again.
	if _, err := provider.DownTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	var users int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1`, a).Scan(&users); err != nil || users != len(next) {
		t.Errorf("users of tenant a after going down: got %d, %v; want %d", users, err, len(next))
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	s = open(t, dsn)
	defer s.Close()
	n := 0
	for _, err := range s.Users(ctx, a) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(next) {
		t.Errorf("users of tenant a after going down and up: got %d, want %d", n, len(next))
	}
}
