package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/riverqueue/river/rivertype"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

// The plan asks the store, not only River, when a tenant last ran: a server
// started on a database whose tenants were synced by another runner (here
// the sync command, which leaves no job) syncs only those not synced within
// Interval. A tenant recorded as running is queued all the same: only the
// sync lock, which the job's run takes, can tell a live run from a dead
// process's record.
func TestPlanSkipsTenantsTheStoreSaysRanRecently(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		st := openStore(ctx, t, dsn)
		synced, running, failed, never := newTenant(t, st), newTenant(t, st), newTenant(t, st), newTenant(t, st)
		recordRun(t, st, synced, secusers.SyncSucceeded)
		recordRun(t, st, failed, secusers.SyncFailed)
		startRun(t, st, running)

		rec := newRecorder(10 * time.Millisecond)
		cfg := testConfig(t, dsn, rec)
		cfg.Tenants = func(context.Context) ([]string, error) { return []string{synced, running, failed, never}, nil }
		cfg.LatestRun = st.LatestSyncRun
		s := start(t, cfg)
		waitFor(t, 15*time.Second, "the due tenants to be synced", func() bool {
			return rec.finished(failed) == 1 && rec.finished(never) == 1 && rec.finished(running) == 1
		})
		// Another plan, with River's record of those two now, queues
		// nothing more.
		plan := &planWorker{cfg: cfg.withDefaults(), client: s.client}
		if err := plan.Work(ctx, nil); err != nil {
			t.Fatalf("plan: %v", err)
		}
		if jobs := syncJobs(t, s, synced); len(jobs) != 0 || rec.count(synced) != 0 {
			t.Errorf("tenant synced just now: got %d jobs, %d runs; want none", len(jobs), rec.count(synced))
		}
		// (A plan of the schedule's own may race this one and queue it
		// again as its job finishes; one job at least is what counts.)
		if got := len(syncJobs(t, s, running)); got < 1 {
			t.Errorf("jobs of the tenant recorded as running: got %d, want it queued", got)
		}

		// Once Interval has passed since, the synced tenant is due.
		later := cfg
		later.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		plan = &planWorker{cfg: later.withDefaults(), client: s.client}
		if err := plan.Work(ctx, nil); err != nil {
			t.Fatalf("plan: %v", err)
		}
		waitFor(t, 15*time.Second, "the tenant synced long ago to be synced", func() bool { return rec.count(synced) == 1 })
	})
}

// A sync whose run finds the tenant held by another runner (Conflict) is put
// off, not failed: it spends no attempt and records no error. Once the other
// run succeeds, the job completes without syncing again; when it fails, the
// job syncs.
func TestSyncPutOffWhileAnotherRunnerHoldsTheTenant(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		st := openStore(ctx, t, dsn)
		rec := newRecorder(0)
		cfg := testConfig(t, dsn, rec)
		cfg.JobTimeout = 10 * time.Second
		cfg.rescueAfter = time.Minute
		cfg.conflictDelay = 200 * time.Millisecond
		cfg.LatestRun = st.LatestSyncRun
		cfg.RunSync = func(ctx context.Context, tenantID string) error {
			// As the Syncer does: record the start, which the store
			// refuses while another run holds the tenant.
			run, err := st.StartSyncRun(ctx, secusers.SyncRun{TenantID: tenantID, Deadline: time.Now().Add(time.Minute)})
			if err != nil {
				return err
			}
			rec.RunSync(ctx, tenantID)
			run.Result = secusers.SyncSucceeded
			return st.FinishSyncRun(ctx, run)
		}
		s := start(t, cfg)
		for _, otherResult := range []secusers.SyncResult{secusers.SyncSucceeded, secusers.SyncFailed} {
			t.Run(string(otherResult), func(t *testing.T) {
				tenant := newTenant(t, st)
				other := startRun(t, st, tenant)
				if err := s.Enqueue(ctx, tenant); err != nil {
					t.Fatalf("Enqueue: %v", err)
				}
				waitFor(t, 10*time.Second, "the sync to be put off twice", func() bool {
					jobs := syncJobs(t, s, tenant)
					return len(jobs) == 1 && snoozes(jobs[0].Metadata) >= 2
				})
				job := syncJobs(t, s, tenant)[0]
				if len(job.Errors) != 0 || job.Attempt > 1 || rec.count(tenant) != 0 {
					t.Errorf("put-off job: got attempt %d, errors %v, %d runs; want attempt at most 1, no errors, no run", job.Attempt, job.Errors, rec.count(tenant))
				}

				other.Result, other.FinishedAt = otherResult, time.Now()
				if err := st.FinishSyncRun(ctx, other); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 10*time.Second, "the job to complete", func() bool {
					return cmp.Equal(states(syncJobs(t, s, tenant)), []rivertype.JobState{rivertype.JobStateCompleted})
				})
				want := 0 // the other run did the sync
				if otherResult == secusers.SyncFailed {
					want = 1
				}
				if got := rec.count(tenant); got != want {
					t.Errorf("runs after the other run %s: got %d, want %d", otherResult, got, want)
				}
				if job := syncJobs(t, s, tenant)[0]; len(job.Errors) != 0 {
					t.Errorf("completed job: got errors %v, want none", job.Errors)
				}
			})
		}
	})
}

// While another process holds SQLite's write lock for longer than River's
// own statement timeout (as a sync's write of a large tenant does), River's
// statements wait or fail and are retried: the sync that finished meanwhile
// is recorded as completed once, not failed, rescued or run again.
func TestSQLiteLongWriteLock(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("holds the lock for 12 seconds")
	}
	dsn := backends[0].dsn(t)
	rec := newRecorder(100 * time.Millisecond)
	rec.started = make(chan string, 1)
	cfg := testConfig(t, dsn, rec)
	cfg.JobTimeout = 30 * time.Second
	cfg.rescueAfter = time.Minute
	s := start(t, cfg)
	if err := s.Enqueue(t.Context(), "t1"); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	select {
	case <-rec.started:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the sync to start")
	}
	// River gives a completion ten seconds, then retries it.
	holdWriteLock(t, dsn, 12*time.Second)
	waitFor(t, 30*time.Second, "the sync to be recorded as completed", func() bool {
		return cmp.Equal(states(syncJobs(t, s, "t1")), []rivertype.JobState{rivertype.JobStateCompleted})
	})
	if job := syncJobs(t, s, "t1")[0]; rec.count("t1") != 1 || job.Attempt != 1 || len(job.Errors) != 0 {
		t.Errorf("got %d runs, attempt %d, errors %v; want 1 run, attempt 1, no errors", rec.count("t1"), job.Attempt, job.Errors)
	}
}

// While a large tenant is being written, as a sync of a large tenant
// writes it (the store's short transactions, back to back), a scheduled
// sync job of another tenant runs and is recorded completed, and an admin
// command (creating a customer) is done, each promptly and before the
// replacement ends: no write transaction holds SQLite's one write lock for
// long, so River's busy timeout can be SQLite's usual ten seconds.
func TestSQLiteAnswersWhileALargeTenantIsWritten(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes a tenant of 150,000 users")
	}
	dsn := backends[0].dsn(t)
	st := openStore(t.Context(), t, dsn)
	tenantID := newTenant(t, st)
	rec := newRecorder(10 * time.Millisecond)
	cfg := testConfig(t, dsn, rec)
	cfg.JobTimeout = 30 * time.Second
	cfg.rescueAfter = time.Minute
	s := start(t, cfg)

	users := storetest.ShuffledUsers(150_000)
	writing := make(chan struct{})
	replaced := make(chan error, 1)
	go func() {
		_, err := st.ReplaceUsers(context.Background(), tenantID, func(yield func(secusers.User, error) bool) {
			for i, u := range users {
				if i == 2*secusers.GenerationChunk {
					close(writing) // two chunks are written: the writes are under way
				}
				if !yield(u, nil) {
					return
				}
			}
		})
		replaced <- err
	}()
	<-writing
	stillWriting := func(what string) {
		select {
		case err := <-replaced:
			t.Fatalf("the replacement ended (%v) before %s: a write held the lock throughout, or the tenant is too small to tell", err, what)
		default:
		}
	}

	start := time.Now()
	if _, err := st.CreateCustomer(t.Context(), secusers.Customer{ID: uuid.NewString(), PartnerID: partnerOf(t, st, tenantID), Organization: "Meanwhile"}); err != nil {
		t.Fatalf("CreateCustomer while a tenant is written: %v", err)
	}
	adminTook := time.Since(start)
	stillWriting("the admin command finished")

	start = time.Now()
	if err := s.Enqueue(t.Context(), "t-meanwhile"); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	waitFor(t, 30*time.Second, "the job to be recorded as completed", func() bool {
		return cmp.Equal(states(syncJobs(t, s, "t-meanwhile")), []rivertype.JobState{rivertype.JobStateCompleted})
	})
	jobTook := time.Since(start)
	stillWriting("the scheduled job completed")
	t.Logf("while a tenant was written: the admin command took %v, the job %v", adminTook, jobTook)
	// Bounds far above a few transactions' length, far below the
	// replacement's: they fail only if a write holds the lock for long.
	if adminTook > 5*time.Second || jobTook > 10*time.Second {
		t.Errorf("while a tenant was written: the admin command took %v, the job %v; want them done within 5 s and 10 s", adminTook, jobTook)
	}
	if err := <-replaced; err != nil {
		t.Errorf("ReplaceUsers: %v", err)
	}
}

// partnerOf returns the partner of the tenant's customer.
func partnerOf(t *testing.T, st secusers.Store, tenantID string) string {
	t.Helper()
	tn, err := st.Tenant(t.Context(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Customer(t.Context(), tn.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	return c.PartnerID
}

// holdWriteLock takes the write lock of the SQLite file at path, as another
// process's transaction would, and holds it for d.
func holdWriteLock(t *testing.T, path string, d time.Duration) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE lock_holder (x)`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
}

// newTenant creates a partner, customer and tenant and returns the tenant's
// id.
func newTenant(t *testing.T, st secusers.Store) string {
	t.Helper()
	ctx := t.Context()
	p, err := st.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Partner"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CreateCustomer(ctx, secusers.Customer{ID: uuid.NewString(), PartnerID: p.ID, Organization: "Customer"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, secusers.Tenant{ID: uuid.NewString(), CustomerID: c.ID, Name: "Tenant"})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// startRun records a run of the tenant as running, as another runner would,
// with a deadline an hour away.
func startRun(t *testing.T, st secusers.Store, tenantID string) secusers.SyncRun {
	t.Helper()
	run, err := st.StartSyncRun(t.Context(), secusers.SyncRun{TenantID: tenantID, Deadline: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("start a run of %s: %v", tenantID, err)
	}
	return run
}

// recordRun records a run of the tenant that ended now with result.
func recordRun(t *testing.T, st secusers.Store, tenantID string, result secusers.SyncResult) {
	t.Helper()
	run := startRun(t, st, tenantID)
	run.Result, run.FinishedAt = result, time.Now()
	if result == secusers.SyncFailed {
		run.Error = "failed"
	}
	if err := st.FinishSyncRun(t.Context(), run); err != nil {
		t.Fatal(fmt.Errorf("finish a run of %s: %w", tenantID, err))
	}
}
