package schedule

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river/rivertype"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

// Two servers on one database: both start at once on a new database (so
// River's migrations race); the plan syncs every connected tenant, and
// again once Interval has passed; then both servers hammer Enqueue. Both
// servers work syncs, and no tenant ever has two runs at once.
func TestTwoSchedulersSyncEveryTenantNeverTwiceAtOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		tenants := []string{"t1", "t2", "t3", "t4", "t5", "t6"}
		rec := newRecorder(50 * time.Millisecond)
		var (
			wg     sync.WaitGroup
			scheds [2]*Scheduler
			errs   [2]error
			worked [2]atomic.Int64
		)
		for i := range scheds {
			cfg := testConfig(t, dsn, rec)
			cfg.Interval = time.Second
			cfg.Tenants = func(context.Context) ([]string, error) { return tenants, nil }
			cfg.RunSync = func(ctx context.Context, tenantID string) error {
				worked[i].Add(1)
				return rec.RunSync(ctx, tenantID)
			}
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				scheds[i], errs[i] = Start(ctx, cfg)
			})
		}
		wg.Wait()
		for i, s := range scheds {
			if errs[i] != nil {
				t.Fatalf("Start %d: %v", i, errs[i])
			}
			t.Cleanup(func() { stop(t, s) })
		}

		waitFor(t, 20*time.Second, "the plan to sync every tenant twice", func() bool {
			for _, id := range tenants {
				if rec.count(id) < 2 {
					return false
				}
			}
			return true
		})

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range scheds {
			wg.Go(func() { hammer(ctx, t, s, tenants) })
		}
		wg.Wait()
		if o := rec.overlapping(); len(o) > 0 {
			t.Errorf("concurrent runs of one tenant: %v", o)
		}
		if worked[0].Load() == 0 || worked[1].Load() == 0 {
			t.Errorf("runs per server: got %d and %d, want both above 0", worked[0].Load(), worked[1].Load())
		}
	})
}

// hammer enqueues syncs of the tenants, round and round, until ctx ends.
func hammer(ctx context.Context, t *testing.T, s *Scheduler, tenants []string) {
	for i := 0; ctx.Err() == nil; i++ {
		if err := s.Enqueue(ctx, tenants[i%len(tenants)]); err != nil && ctx.Err() == nil {
			t.Errorf("Enqueue: %v", err)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two Enqueues while the first sync is queued or running make one run; an
// Enqueue after it finished makes another.
func TestEnqueueTwiceRunsOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(300 * time.Millisecond)
		s := start(t, testConfig(t, dsn, rec))
		ctx := context.Background()

		for range 2 {
			if err := s.Enqueue(ctx, "t1"); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
		}
		waitFor(t, 10*time.Second, "the sync to complete", func() bool {
			return cmp.Equal(states(syncJobs(t, s, "t1")), []rivertype.JobState{rivertype.JobStateCompleted})
		})
		if got := rec.count("t1"); got != 1 {
			t.Fatalf("runs after two Enqueues: got %d, want 1", got)
		}

		if err := s.Enqueue(ctx, "t1"); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		waitFor(t, 10*time.Second, "a second run after the first completed", func() bool { return rec.count("t1") == 2 })
	})
}

// Enqueue of a tenant whose sync waits out a retry's backoff runs it now.
func TestEnqueueBringsRetryForward(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(10 * time.Millisecond)
		rec.fail = func(_ string, n int) error {
			if n == 1 {
				return errors.New("graph: 503 after all retries")
			}
			return nil
		}
		cfg := testConfig(t, dsn, rec)
		cfg.retryBase = time.Hour
		s := start(t, cfg)
		ctx := context.Background()
		if err := s.Enqueue(ctx, "t1"); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		waitFor(t, 10*time.Second, "the failed sync to wait for its retry", func() bool {
			return cmp.Equal(states(syncJobs(t, s, "t1")), []rivertype.JobState{rivertype.JobStateRetryable})
		})
		if err := s.Enqueue(ctx, "t1"); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		waitFor(t, 10*time.Second, "the retry to run now and complete", func() bool {
			return cmp.Equal(states(syncJobs(t, s, "t1")), []rivertype.JobState{rivertype.JobStateCompleted})
		})
		if got := rec.count("t1"); got != 2 {
			t.Errorf("runs: got %d, want 2", got)
		}
	})
}

// A failing sync is retried; one that fails with a permanent error is not.
func TestFailedSyncIsRetried(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(10 * time.Millisecond)
		rec.fail = func(tenantID string, n int) error {
			switch {
			case tenantID == "gone":
				return secusers.Errorf(secusers.NotFound, "tenant %s is not connected", tenantID)
			case n == 1:
				return errors.New("graph: 503 after all retries")
			}
			return nil
		}
		cfg := testConfig(t, dsn, rec)
		cfg.RunSync = func(ctx context.Context, tenantID string) error {
			if tenantID == "slow" && rec.count("slow") == 0 {
				// A run that outlasts JobTimeout; the recorder's own
				// sleep would end sooner.
				rec.mu.Lock()
				rec.runs["slow"]++
				rec.mu.Unlock()
				<-ctx.Done()
				return ctx.Err()
			}
			return rec.RunSync(ctx, tenantID)
		}
		s := start(t, cfg)
		ctx := context.Background()
		for _, id := range []string{"flaky", "slow", "gone"} {
			if err := s.Enqueue(ctx, id); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
		}

		for _, tt := range []struct{ tenant, why string }{
			{"flaky", "graph: 503"},
			{"slow", "deadline exceeded"},
		} {
			waitFor(t, 15*time.Second, tt.tenant+"'s failed sync to be retried and complete", func() bool {
				jobs := syncJobs(t, s, tt.tenant)
				return len(jobs) == 1 && jobs[0].State == rivertype.JobStateCompleted
			})
			job := syncJobs(t, s, tt.tenant)[0]
			if job.Attempt != 2 || len(job.Errors) != 1 || rec.count(tt.tenant) != 2 {
				t.Fatalf("retried sync of %s: got attempt %d, %d errors, %d runs; want 2, 1, 2", tt.tenant, job.Attempt, len(job.Errors), rec.count(tt.tenant))
			}
			if !strings.Contains(job.Errors[0].Error, tt.why) {
				t.Errorf("first error of %s: got %q, want it to say %q", tt.tenant, job.Errors[0].Error, tt.why)
			}
		}

		waitFor(t, 10*time.Second, "the permanently failed sync to be cancelled", func() bool {
			jobs := syncJobs(t, s, "gone")
			return len(jobs) == 1 && jobs[0].State == rivertype.JobStateCancelled
		})
		if got := rec.count("gone"); got != 1 {
			t.Errorf("runs of a sync that failed for good: got %d, want 1", got)
		}
	})
}

// A plan whose tenants cannot be listed fails, so that River retries it.
func TestPlanFailsWhenTenantsFail(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "unused.db", newRecorder(0))
	cfg.Tenants = func(context.Context) ([]string, error) { return nil, errors.New("store unavailable") }
	plan := &planWorker{cfg: cfg.withDefaults()}
	if err := plan.Work(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "store unavailable") {
		t.Errorf("plan with failing Tenants: got %v, want the error", err)
	}
}

// A sync running when its server stops without time to drain is cancelled,
// put back in the queue, and run by another server.
func TestSyncInterruptedByStopRunsAgain(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(time.Minute) // runs until cancelled
		rec.started = make(chan string, 1)
		// Not start: this test stops it, and a second Stop would report
		// the first one's error again.
		first, err := Start(context.Background(), testConfig(t, dsn, rec))
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if err := first.Enqueue(context.Background(), "t1"); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		select {
		case <-rec.started:
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for the sync to start")
		}

		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if err := first.Stop(cancelled); err == nil {
			t.Fatal("Stop with a cancelled context and a sync running: got nil, want an error")
		}

		again := newRecorder(10 * time.Millisecond)
		second := start(t, testConfig(t, dsn, again))
		waitFor(t, 15*time.Second, "the interrupted sync to run again and complete", func() bool {
			jobs := syncJobs(t, second, "t1")
			return len(jobs) == 1 && jobs[0].State == rivertype.JobStateCompleted
		})
		if got := again.count("t1"); got != 1 {
			t.Errorf("runs on the second server: got %d, want 1", got)
		}
		// The interruption spent no attempt and recorded no failure.
		if job := syncJobs(t, second, "t1")[0]; job.Attempt != 1 || len(job.Errors) != 0 {
			t.Errorf("interrupted then completed job: got attempt %d, errors %v; want attempt 1, no errors", job.Attempt, job.Errors)
		}
	})
}

// Stop with time to spare lets a running sync finish, and River records it
// as completed.
func TestStopDrainsRunningSync(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(500 * time.Millisecond)
		rec.started = make(chan string, 1)
		s, err := Start(context.Background(), testConfig(t, dsn, rec))
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if err := s.Enqueue(context.Background(), "t1"); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		select {
		case <-rec.started:
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for the sync to start")
		}
		stop(t, s)
		if got := rec.finished("t1"); got != 1 {
			t.Fatalf("runs finished by the time Stop returned: got %d, want 1", got)
		}

		after := start(t, testConfig(t, dsn, newRecorder(0)))
		if got := states(syncJobs(t, after, "t1")); !cmp.Equal(got, []rivertype.JobState{rivertype.JobStateCompleted}) {
			t.Errorf("job states after a drained Stop: got %v, want [completed]", got)
		}
	})
}

// Start fails, fast and as Unavailable, when the database cannot be opened.
func TestStartUnavailableDatabase(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, dsn string }{
		{"postgres", "postgres://postgres@127.0.0.1:1/none?sslmode=disable"},
		{"sqlite", filepath.Join(t.TempDir(), "missing", "secusers.db")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Start(ctx, testConfig(t, tt.dsn, newRecorder(0)))
			if err == nil {
				s.Stop(ctx)
				t.Fatal("Start: got nil error, want Unavailable")
			}
			if !secusers.IsKind(err, secusers.Unavailable) {
				t.Errorf("Start: got %v (%s), want kind unavailable", err, secusers.KindOf(err))
			}
		})
	}
}

// A tenant due again is synced again by the plan, one not yet due is not.
func TestPlanQueuesOnlyDueTenants(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(10 * time.Millisecond)
		cfg := testConfig(t, dsn, rec)
		cfg.Interval = time.Hour
		cfg.Tenants = func(context.Context) ([]string, error) { return []string{"t1", "t2"}, nil }
		s := start(t, cfg)
		// RunOnStart plans at once: both tenants are due, never synced.
		waitFor(t, 15*time.Second, "both tenants synced once", func() bool {
			return rec.count("t1") == 1 && rec.count("t2") == 1
		})

		for _, id := range []string{"t1", "t2"} {
			waitFor(t, 10*time.Second, id+"'s sync to complete", func() bool {
				return cmp.Equal(states(syncJobs(t, s, id)), []rivertype.JobState{rivertype.JobStateCompleted})
			})
		}

		// A plan within the hour finds both synced recently.
		plan := &planWorker{cfg: cfg.withDefaults(), client: s.client}
		if err := plan.Work(context.Background(), nil); err != nil {
			t.Fatalf("plan: %v", err)
		}
		if jobs := syncJobs(t, s, "t1"); len(jobs) != 1 {
			t.Fatalf("sync jobs of t1 after a plan within Interval: got %d, want 1", len(jobs))
		}

		// An hour later both are due again.
		later := cfg
		later.Now = func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
		plan = &planWorker{cfg: later.withDefaults(), client: s.client}
		if err := plan.Work(context.Background(), nil); err != nil {
			t.Fatalf("plan: %v", err)
		}
		waitFor(t, 10*time.Second, "both tenants synced again", func() bool {
			return rec.count("t1") == 2 && rec.count("t2") == 2
		})
	})
}

// recentlySynced reads every page of finished syncs back to its cutoff,
// and no further.
func TestRecentlySyncedPages(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		rec := newRecorder(0)
		s := start(t, testConfig(t, dsn, rec))
		ctx := context.Background()
		tenants := []string{"t1", "t2", "t3", "t4", "t5"}
		before := time.Now().Add(-time.Minute)
		for _, id := range tenants {
			if err := s.Enqueue(ctx, id); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
		}
		for _, id := range tenants {
			waitFor(t, 10*time.Second, id+"'s sync to complete", func() bool {
				return cmp.Equal(states(syncJobs(t, s, id)), []rivertype.JobState{rivertype.JobStateCompleted})
			})
		}
		for _, tt := range []struct {
			since time.Time
			want  int
		}{
			{before, len(tenants)},
			{time.Now().Add(time.Minute), 0},
		} {
			got, err := recentlySynced(ctx, s.client, tt.since, 2)
			if err != nil {
				t.Fatalf("recentlySynced: %v", err)
			}
			if len(got) != tt.want {
				t.Errorf("tenants synced since %s: got %v, want %d", tt.since, got, tt.want)
			}
		}
	})
}

func TestStartRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ok := Config{
		Database: store.Location{Kind: store.SQLite, Path: "x.db"},
		RunSync:  func(context.Context, string) error { return nil },
		Tenants:  func(context.Context) ([]string, error) { return nil, nil },
	}
	for _, tt := range []struct {
		name   string
		change func(*Config)
	}{
		{"no database", func(c *Config) { c.Database = store.Location{} }},
		{"no RunSync", func(c *Config) { c.RunSync = nil }},
		{"no Tenants", func(c *Config) { c.Tenants = nil }},
		{"interval too short", func(c *Config) { c.Interval = time.Millisecond }},
		{"negative workers", func(c *Config) { c.Workers = -1 }},
		{"in-memory SQLite", func(c *Config) { c.Database = store.Location{Kind: store.SQLite, Path: ":memory:"} }},
		{"PostgreSQL without a DSN", func(c *Config) { c.Database = store.Location{Kind: store.PostgreSQL} }},
		{"unparsable PostgreSQL DSN", func(c *Config) { c.Database = store.Location{Kind: store.PostgreSQL, URL: "postgres://a:b@[::1"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.change(&cfg)
			s, err := Start(context.Background(), cfg)
			if err == nil {
				s.Stop(context.Background())
				t.Fatal("Start: got nil error, want Invalid")
			}
			if !secusers.IsKind(err, secusers.Invalid) {
				t.Errorf("Start: got %v (%s), want kind invalid", err, secusers.KindOf(err))
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	var got []string
	for failed := 1; failed <= 7; failed++ {
		got = append(got, retryDelay(retryBase, failed).String())
	}
	want := []string{"30s", "2m0s", "8m0s", "32m0s", "1h0m0s", "1h0m0s", "1h0m0s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("retry delays (-want +got):\n%s", diff)
	}
	for range 100 {
		if d := jitter(time.Minute); d < 54*time.Second || d > 66*time.Second {
			t.Fatalf("jitter(1m): got %s, want within 10%%", d)
		}
	}
}

// ExampleStart shows how the server starts and stops the schedule.
func ExampleStart() {
	ctx := context.Background()
	loc, err := store.Parse("./secusers.db") // the --db value
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := Start(ctx, Config{
		Database: loc,
		Interval: 4 * time.Hour,
		RunSync:  func(ctx context.Context, tenantID string) error { return nil },
		Tenants:  func(ctx context.Context) ([]string, error) { return []string{}, nil },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sched.Stop(shutdown)
	}()
	_ = sched.Enqueue(ctx, "a-tenant-id") // sync now
}

// TestPlanPrunesHistoryOnceADay: the plan prunes the history kept for
// HistoryDays at its first run of a UTC day only, and a failed prune is
// tried again at the next plan without failing it.
func TestPlanPrunesHistoryOnceADay(t *testing.T) {
	t.Parallel()
	rec := newRecorder(time.Millisecond)
	cfg := testConfig(t, filepath.Join(t.TempDir(), "secusers.db"), rec)
	s := start(t, cfg)
	var befores []time.Time
	fail := true
	cfg.HistoryDays = 30
	cfg.PruneHistory = func(_ context.Context, before time.Time) (int, error) {
		befores = append(befores, before)
		if fail {
			fail = false
			return 0, errors.New("the database is busy")
		}
		return 3, nil
	}
	day := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	now := day
	cfg.Now = func() time.Time { return now }
	plan := &planWorker{cfg: cfg.withDefaults(), client: s.client}
	for _, at := range []time.Time{day, day.Add(time.Hour), day.Add(2 * time.Hour), day.Add(24 * time.Hour)} {
		now = at
		if err := plan.Work(t.Context(), nil); err != nil {
			t.Fatalf("plan at %v: %v", at, err)
		}
	}
	want := []time.Time{ // failed, retried, then once the next day
		time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC),
	}
	if !cmp.Equal(want, befores) {
		t.Errorf("prunes: got %v, want %v", befores, want)
	}
}
