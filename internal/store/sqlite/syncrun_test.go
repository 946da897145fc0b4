package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"

	"github.com/secusers/secusers/internal/secusers"
)

// clock is a settable clock for WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// storedRun reads a run's result, end and error as stored.
func storedRun(t *testing.T, s *Store, id string) (result string, finished int64, runErr string) {
	t.Helper()
	err := s.reader.QueryRowContext(t.Context(), `SELECT result, finished_at, error FROM sync_runs WHERE id = ?`, id).
		Scan(&result, &finished, &runErr)
	if err != nil {
		t.Fatalf("reading run %s: %v", id, err)
	}
	return result, finished, runErr
}

// tenantOf makes a partner, customer and tenant.
func tenantOf(t *testing.T, s *Store) secusers.Tenant {
	t.Helper()
	ctx := t.Context()
	p, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, secusers.Customer{ID: uuid.NewString(), PartnerID: p.ID, Organization: "C"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := s.CreateTenant(ctx, secusers.Tenant{ID: uuid.NewString(), CustomerID: c.ID, Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// TestAbandonedRunMarkedFailed checks, at the store's clock, that a run
// past its deadline is marked failed, with its end at the taking-over start,
// and that a run exactly at its deadline no longer holds the tenant.
func TestAbandonedRunMarkedFailed(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := open(t, filepath.Join(t.TempDir(), "runs.db"), WithClock(c.Now))
	defer s.Close()
	ctx := t.Context()
	tn := tenantOf(t, s)
	dead, err := s.StartSyncRun(ctx, secusers.SyncRun{TenantID: tn.ID, Deadline: c.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c.Set(dead.Deadline.Add(-time.Millisecond))
	if _, err := s.StartSyncRun(ctx, secusers.SyncRun{TenantID: tn.ID, Deadline: c.Now().Add(time.Hour)}); !secusers.IsKind(err, secusers.Conflict) {
		t.Fatalf("start a millisecond before the deadline: got %v, want a conflict", err)
	}
	if result, _, _ := storedRun(t, s, dead.ID); result != string(secusers.SyncRunning) {
		t.Errorf("run after a refused start: got %s, want running (the refused start records nothing)", result)
	}
	c.Set(dead.Deadline)
	next, err := s.StartSyncRun(ctx, secusers.SyncRun{TenantID: tn.ID, Deadline: c.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("start at the deadline: got %v, want nil", err)
	}
	result, finished, runErr := storedRun(t, s, dead.ID)
	if result != string(secusers.SyncFailed) || finished != dead.Deadline.UnixMilli() || runErr != secusers.AbandonedPastDeadline {
		t.Errorf("abandoned run: got %s, finished %d, error %q; want failed, finished %d, error %q",
			result, finished, runErr, dead.Deadline.UnixMilli(), secusers.AbandonedPastDeadline)
	}
	if result, _, _ := storedRun(t, s, next.ID); result != string(secusers.SyncRunning) {
		t.Errorf("taking-over run: got %s, want running", result)
	}
}

// TestMigratedRunningRunAbandoned checks that a run left running by a
// release before deadlines (deadline 0 after the migration) does not hold
// its tenant.
func TestMigratedRunningRunAbandoned(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v4.db")
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
	if _, err := provider.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	const tenant, run = "0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	for _, q := range []string{
		`INSERT INTO partners VALUES ('p', 'P', 0)`,
		`INSERT INTO customers VALUES ('c', 'p', 'C', 0)`,
		`INSERT INTO tenants (id, customer_id, name, created_at) VALUES ('` + tenant + `', 'c', 'T', 0)`,
		`INSERT INTO sync_runs VALUES ('` + run + `', '` + tenant + `', 1000, 0, 'running', 0, 0, '[]', '')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s := open(t, path)
	defer s.Close()
	if _, err := s.StartSyncRun(ctx, secusers.SyncRun{TenantID: tenant, Deadline: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("start beside a run from before deadlines: got %v, want nil", err)
	}
	if result, _, runErr := storedRun(t, s, run); result != string(secusers.SyncFailed) || runErr != secusers.AbandonedPastDeadline {
		t.Errorf("run from before deadlines: got %s %q, want failed %q", result, runErr, secusers.AbandonedPastDeadline)
	}
}

// TestExpiredAssertionsDeletedInBatches checks that one use deletes at most
// secusers.AssertionCleanupBatch expired records, and none that has not expired.
func TestExpiredAssertionsDeletedInBatches(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := open(t, filepath.Join(t.TempDir(), "jti.db"), WithClock(c.Now))
	defer s.Close()
	ctx := t.Context()
	client := uuid.NewString()
	const expired, live = secusers.AssertionCleanupBatch + 50, 10
	for i := range expired + live {
		exp := c.Now().Add(time.Minute)
		if i >= expired {
			exp = c.Now().Add(time.Hour)
		}
		if err := s.UseAssertionID(ctx, client, uuid.NewString(), exp); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(c.Now().Add(2 * time.Minute))
	count := func() (n int) {
		t.Helper()
		if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM assertion_ids`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, want := range []int{expired + live + 1 - secusers.AssertionCleanupBatch, live + 2} {
		if err := s.UseAssertionID(ctx, client, uuid.NewString(), c.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != want {
			t.Errorf("records after a use: got %d, want %d", got, want)
		}
	}
}
