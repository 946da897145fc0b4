package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/secusers/secusers/internal/store"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// backends are the databases every scheduler test runs against: a SQLite
// file in a temporary directory, and a fresh schema on the test PostgreSQL
// server (skipped when it is unreachable, unless SECUSERS_REQUIRE_POSTGRES=1).
var backends = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "secusers.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
}

// forEachBackend runs test in parallel subtests, one per backend.
func forEachBackend(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.dsn(t))
		})
	}
}

// testConfig returns a Config for dsn with the test knobs set so that
// retries, rescues and River's start-up take moments, not minutes.
func testConfig(t *testing.T, dsn string, rec *recorder) Config {
	return Config{
		Database:    location(t, dsn),
		Interval:    time.Hour,
		Workers:     4,
		JobTimeout:  time.Second,
		RunSync:     rec.RunSync,
		Tenants:     func(context.Context) ([]string, error) { return nil, nil },
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		rescueAfter: 2 * time.Second,
		retryBase:   200 * time.Millisecond,
		testOnly:    true,
	}
}

// location parses dsn as the commands parse --db.
func location(t *testing.T, dsn string) store.Location {
	t.Helper()
	loc, err := store.Parse(dsn)
	if err != nil {
		t.Fatalf("store.Parse(%q): %v", dsn, err)
	}
	return loc
}

// start starts a scheduler and stops it when the test ends (before the
// database is dropped: cleanups run last-registered first).
func start(t *testing.T, cfg Config) *Scheduler {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { stop(t, s) })
	return s
}

// stop stops s, allowing its syncs a few seconds to finish.
func stop(t *testing.T, s *Scheduler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncJobs returns the sync jobs of tenantID in River's table, in any state.
func syncJobs(t *testing.T, s *Scheduler, tenantID string) []*rivertype.JobRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := s.client.JobList(ctx, river.NewJobListParams().Kinds(syncKind).States(slices.Concat(pendingStates, finishedStates)...).First(1000))
	if err != nil {
		t.Fatalf("JobList: %v", err)
	}
	var out []*rivertype.JobRow
	for _, j := range res.Jobs {
		var args syncArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatalf("job %d: %v", j.ID, err)
		}
		if args.TenantID == tenantID {
			out = append(out, j)
		}
	}
	return out
}

// states returns the states of jobs.
func states(jobs []*rivertype.JobRow) []rivertype.JobState {
	var out []rivertype.JobState
	for _, j := range jobs {
		out = append(out, j.State)
	}
	return out
}

// recorder is a RunSync that counts each tenant's runs and notes any run
// that starts while another of the same tenant is still running, whichever
// scheduler runs it.
type recorder struct {
	sleep time.Duration
	// fail, when set, decides the result of a tenant's n-th run (from 1).
	fail func(tenantID string, n int) error
	// started, when set, receives the tenant of every run as it starts.
	started chan string

	mu       sync.Mutex
	running  map[string]int
	runs     map[string]int
	slept    map[string]int // runs that slept their full time
	overlaps []string
}

func newRecorder(sleep time.Duration) *recorder {
	return &recorder{sleep: sleep, running: map[string]int{}, runs: map[string]int{}, slept: map[string]int{}}
}

// RunSync records the run, sleeps (or waits for cancellation), and returns
// what fail says.
func (r *recorder) RunSync(ctx context.Context, tenantID string) error {
	r.mu.Lock()
	r.running[tenantID]++
	r.runs[tenantID]++
	n := r.runs[tenantID]
	if r.running[tenantID] > 1 {
		r.overlaps = append(r.overlaps, fmt.Sprintf("%s: %d runs at once (run %d)", tenantID, r.running[tenantID], n))
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running[tenantID]--
		r.mu.Unlock()
	}()
	if r.started != nil {
		r.started <- tenantID
	}
	select {
	case <-time.After(r.sleep):
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	r.slept[tenantID]++
	r.mu.Unlock()
	if r.fail != nil {
		return r.fail(tenantID, n)
	}
	return nil
}

// count returns how many runs of tenantID have started.
func (r *recorder) count(tenantID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[tenantID]
}

// finished returns how many runs of tenantID slept their full time, not
// cut short by cancellation.
func (r *recorder) finished(tenantID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.slept[tenantID]
}

// overlapping returns the overlaps seen so far.
func (r *recorder) overlapping() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.overlaps)
}
