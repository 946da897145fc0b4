package postgres

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestAssertionReplayAcrossServers: servers on one database, each with its
// own pool, racing on one client assertion: exactly one accepts it.
func TestAssertionReplayAcrossServers(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	servers := []*Store{open(t, dsn), open(t, dsn), open(t, dsn)}
	for _, s := range servers {
		defer s.Close()
	}
	clientID := uuid.NewString()
	const attempts = 12
	warmUp(t, servers, attempts)
	errs := make([]error, attempts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			<-start
			errs[i] = servers[i%len(servers)].UseAssertionID(t.Context(), clientID, "jti-raced", time.Now().Add(time.Minute))
		})
	}
	close(start)
	wg.Wait()
	accepted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case !secusers.IsKind(err, secusers.Conflict):
			t.Errorf("UseAssertionID: got error %v (kind %v), want nil or conflict", err, secusers.KindOf(err))
		}
	}
	if accepted != 1 {
		t.Errorf("one assertion sent to %d servers at once: got %d acceptances, want 1", len(servers), accepted)
	}
}

// TestSyncStartAcrossServers: the schedules of several servers start a
// tenant's sync at once, and one run starts.
func TestSyncStartAcrossServers(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	servers := []*Store{open(t, dsn), open(t, dsn), open(t, dsn)}
	for _, s := range servers {
		defer s.Close()
	}
	tenant := storetest.NewTenant(t, servers[0])
	const starters = 9
	warmUp(t, servers, starters)
	errs := make([]error, starters)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range starters {
		wg.Go(func() {
			<-start
			_, errs[i] = servers[i%len(servers)].StartSyncRun(t.Context(),
				secusers.SyncRun{TenantID: tenant, Deadline: time.Now().Add(time.Hour)})
		})
	}
	close(start)
	wg.Wait()
	started := 0
	for _, err := range errs {
		switch {
		case err == nil:
			started++
		case !secusers.IsKind(err, secusers.Conflict):
			t.Errorf("StartSyncRun: got error %v (kind %v), want nil or conflict", err, secusers.KindOf(err))
		}
	}
	if started != 1 {
		t.Errorf("%d starts of one tenant on %d servers: got %d runs started, want 1", starters, len(servers), started)
	}
}

// warmUp makes each store's pool hold connections for n callers between
// them, so that a race the test starts is not spread out by the time it
// takes to connect.
func warmUp(t *testing.T, stores []*Store, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := stores[i%len(stores)].pool.Exec(t.Context(), `SELECT pg_sleep(0.05)`); err != nil {
				t.Errorf("warm up: %v", err)
			}
		})
	}
	wg.Wait()
}

// TestRunFromBeforeDeadlines: a run left "running" by a release without
// deadlines (a process killed before the upgrade) does not keep the
// tenant's sync from starting after it; it is marked abandoned.
func TestRunFromBeforeDeadlines(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	migrateTo(t, dsn, 2)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	tenant, oldRun := uuid.NewString(), uuid.NewString()
	for _, stmt := range []string{
		`INSERT INTO partners (id, name, created_at) VALUES ('p', 'P', 0)`,
		`INSERT INTO customers (id, partner_id, organization, created_at) VALUES ('c', 'p', 'C', 0)`,
		`INSERT INTO tenants (id, customer_id, name, created_at) VALUES ('` + tenant + `', 'c', 't', 0)`,
		`INSERT INTO sync_runs (id, tenant_id, started_at, finished_at, result, users, security_users, unavailable, error)
			VALUES ('` + oldRun + `', '` + tenant + `', 1, 0, 'running', 0, 0, '[]', '')`,
	} {
		if _, err := conn.Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}

	s := open(t, dsn) // migrates the rest of the way
	defer s.Close()
	run, err := s.StartSyncRun(t.Context(), secusers.SyncRun{TenantID: tenant, Deadline: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("StartSyncRun after a pre-deadline running run: got error %v, want nil", err)
	}
	var result, why string
	if err := conn.QueryRow(t.Context(), `SELECT result, error FROM sync_runs WHERE id = $1`, oldRun).Scan(&result, &why); err != nil {
		t.Fatal(err)
	}
	if result != string(secusers.SyncFailed) || why != secusers.AbandonedPastDeadline {
		t.Errorf("the old run: got %s %q, want failed %q", result, why, secusers.AbandonedPastDeadline)
	}
	latest, err := s.LatestSyncRun(t.Context(), tenant)
	if err != nil || latest.ID != run.ID {
		t.Errorf("LatestSyncRun: got %s, %v, want the new run %s", latest.ID, err, run.ID)
	}
}

// migrateTo applies the migrations up to version, as an older release did.
func migrateTo(t *testing.T, dsn string, version int64) {
	t.Helper()
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
	if _, err := provider.UpTo(t.Context(), version); err != nil {
		t.Fatalf("migrate to version %d: %v", version, err)
	}
}

// TestSyncLockDiesWithItsSession: a server holding a tenant's sync lock
// loses its session (its process is killed, or the connection breaks).
// Another server can take the lock at once rather than after a deadline,
// and the holder learns of the loss within one check, through its held
// context, so that it stops rather than run beside the new holder.
func TestSyncLockDiesWithItsSession(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	holder, other := open(t, dsn), open(t, dsn)
	defer holder.Close()
	defer other.Close()
	holder.lockPing = 50 * time.Millisecond
	tenant := storetest.NewTenant(t, holder)
	held, release, err := holder.LockTenantSync(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, _, err := other.LockTenantSync(t.Context(), tenant); !secusers.IsKind(err, secusers.Conflict) {
		t.Fatalf("lock held by another server: got %v, want conflict", err)
	}
	time.Sleep(3 * holder.lockPing) // checks of a healthy session keep the lock
	if held.Err() != nil {
		t.Fatalf("held context with a healthy session: %v (cause %v), want alive", held.Err(), context.Cause(held))
	}
	// pg_locks shows a bigint advisory key as its high and low 32 bits.
	key := uint64(syncRunLockID(tenant))
	var killed int
	err = other.pool.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1`,
		int64(key>>32), int64(key&0xffffffff)).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminating the holder's session: %d sessions, %v; want 1", killed, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, release2, err := other.LockTenantSync(t.Context(), tenant)
		if err == nil {
			release2()
			break
		}
		if !secusers.IsKind(err, secusers.Conflict) || time.Now().After(deadline) {
			t.Fatalf("lock after the holder's session died: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-held.Done():
		if !errors.Is(context.Cause(held), errLockLost) {
			t.Errorf("held context ended with cause %v, want errLockLost", context.Cause(held))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the holder was not told that its lock was lost")
	}
}
