package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

func TestOpenRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	const openers = 4
	stores := make([]*Store, openers)
	errs := make([]error, openers)
	var wg sync.WaitGroup
	for i := range openers {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: got error %v, want nil", i, err)
		}
		defer stores[i].Close()
	}
	var applied int
	err := stores[0].reader.QueryRowContext(t.Context(),
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
	// Every store works, whichever ran the migrations.
	for i, s := range stores {
		if _, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "p"}); err != nil {
			t.Errorf("store %d: CreatePartner: got error %v, want nil", i, err)
		}
	}
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
	at := time.Date(2026, 11, 29, 6, 0, 0, 123_456_789, time.FixedZone("CET", 3600))
	s := open(t, filepath.Join(t.TempDir(), "clock.db"), WithClock(func() time.Time { return at }))
	defer s.Close()
	p, err := s.CreatePartner(t.Context(), secusers.Partner{ID: uuid.NewString(), Name: "Clocked"})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 29, 5, 0, 0, 123_000_000, time.UTC)
	if !p.CreatedAt.Equal(want) || p.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt: got %v, want %v", p.CreatedAt, want)
	}
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

// TestPagePlan checks that pages and anchors are read in index order: no
// sort of the tenant's users per request, which 1,000,000 users would make
// slow; that a keyset page seeks to its start instead of scanning up to it;
// and that anchors come from the index alone.
func TestPagePlan(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "plan.db"))
	defer s.Close()
	for _, tc := range []struct {
		query string
		args  []any
		want  []string // in the plan, besides users_in_order
	}{
		{pageQuery, []any{"t", 1, 10, 0}, nil},
		{pageAfterQuery, []any{"t", "k", "i", 1, 10, 0}, []string{"(sort_key,id)>(?,?)"}},
		{keysQuery, []any{"t", 1, 100}, []string{"COVERING INDEX users_in_order"}},
		{`SELECT ` + userColumns + ` FROM users WHERE tenant_id = ? ORDER BY sort_key, id`, []any{"t"}, nil},
	} {
		plan := queryPlan(t, s.reader, tc.query, tc.args...)
		if !strings.Contains(plan, "users_in_order") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s: got %q, want a scan of users_in_order without a sort", tc.query, plan)
		}
		for _, want := range tc.want {
			if !strings.Contains(plan, want) {
				t.Errorf("plan of %s: got %q, want %q in it", tc.query, plan, want)
			}
		}
	}
}

// queryPlan returns the details of the query's plan, joined by "; ".
func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestTranslate checks the error mapping with errors the driver really
// returns, so that a driver upgrade that changes codes shows here.
func TestTranslate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "errors.db")
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	_, err := s.writer.ExecContext(ctx, `INSERT INTO tenants (id, customer_id, name, created_at) VALUES ('t', 'missing', 'n', 0)`)
	if got := secusers.KindOf(translate(err, "tenant t")); got != secusers.NotFound {
		t.Errorf("foreign key violation %v: got kind %v, want not found", err, got)
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO partners (id, name, created_at) VALUES ('p', 'n', 0), ('p', 'n', 0)`)
	if got := secusers.KindOf(translate(err, "partner p")); got != secusers.Conflict {
		t.Errorf("primary key violation %v: got kind %v, want conflict", err, got)
	}
	if got := secusers.KindOf(translate(sql.ErrNoRows, "partner p")); got != secusers.NotFound {
		t.Errorf("no rows: got kind %v, want not found", got)
	}

	// A second writer that may not wait finds the database busy.
	holder, err := s.writer.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	impatient, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	_, err = impatient.BeginTx(ctx, nil)
	if got := secusers.KindOf(translate(err, "")); got != secusers.Unavailable {
		t.Errorf("busy database %v: got kind %v, want unavailable", err, got)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := translate(canceled.Err(), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: got %v, want context.Canceled", err)
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

// TestPruneRoundsUp checks the millisecond rounding of PruneSigningKeys: a
// key retired at T (kept as milliseconds) was retired before T+0.5 ms, but
// not before T itself.
func TestPruneRoundsUp(t *testing.T) {
	at := time.Date(2026, 11, 29, 6, 0, 0, 7_000_000, time.UTC)
	s := open(t, filepath.Join(t.TempDir(), "prune.db"), WithClock(func() time.Time { return at }))
	defer s.Close()
	ctx := t.Context()
	for range 2 { // the first key, then its successor, which retires it at `at`
		if _, err := s.RotateSigningKey(ctx, secusers.SigningKey{ID: uuid.NewString(), Algorithm: "RS256", PrivateKey: []byte{1}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		before time.Time
		want   int
	}{
		{at, 0},
		{at.Add(500 * time.Microsecond), 1},
	} {
		n, err := s.PruneSigningKeys(ctx, tc.before)
		if err != nil || n != tc.want {
			t.Errorf("PruneSigningKeys(%v) of a key retired at %v: got %d, %v, want %d, nil", tc.before, at, n, err, tc.want)
		}
	}
}
