package tenantsync_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
)

// A run's record carries its Deadline, RunTimeout after its start, or the
// caller's deadline when that comes sooner.
func TestRunRecordsDeadline(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		runTimeout time.Duration
		ctxTimeout time.Duration // 0: none
		want       time.Duration // Deadline - StartedAt
	}{
		{"the default", 0, 0, tenantsync.DefaultRunTimeout},
		{"RunTimeout", 90 * time.Minute, 0, 90 * time.Minute},
		{"the caller's sooner deadline", time.Hour, 10 * time.Minute, 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, generated(21))
			f.syncer.RunTimeout = tc.runTimeout
			ctx := t.Context()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			run, err := f.syncer.Run(ctx, f.tenantID)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			// The caller's deadline was set a moment before the run
			// started, so its share is a little under ctxTimeout.
			if got := run.Deadline.Sub(run.StartedAt); got > tc.want || got < tc.want-5*time.Second {
				t.Errorf("Deadline - StartedAt: got %s, want %s", got, tc.want)
			}
			latest, err := f.store.LatestSyncRun(t.Context(), f.tenantID)
			if err != nil || !latest.Deadline.Equal(run.Deadline) {
				t.Errorf("recorded deadline: got %v (%v), want %v", latest.Deadline, err, run.Deadline)
			}
		})
	}
}

// A run cannot outlive its Deadline: its context ends by then, and the run
// fails as having run out of time, changing nothing.
func TestRunEndsAtItsDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handBuilt([]graph.User{user(aliceID, "alice", true), user(bobID, "bob", false)}))
	f.run()
	before := f.users()
	f.syncer.RunTimeout = time.Second
	var ctxDeadline time.Time
	f.syncer.Store = &blockingStore{
		Store: f.store,
		start: func(ctx context.Context) { ctxDeadline, _ = ctx.Deadline() },
		sync: func(ctx context.Context) error {
			<-ctx.Done() // a write that would never end
			return ctx.Err()
		},
	}
	run, err := f.syncer.Run(t.Context(), f.tenantID)
	var re *tenantsync.RunError
	if !errors.As(err, &re) || !strings.Contains(run.Error, "ran out of time") {
		t.Fatalf("got run %+v, %v: want a *RunError, the run out of time", run, err)
	}
	if ctxDeadline.IsZero() || ctxDeadline.After(run.Deadline) {
		t.Errorf("the run's context ends at %v, after its Deadline %v", ctxDeadline, run.Deadline)
	}
	if diff := cmp.Diff(before, f.users()); diff != "" {
		t.Errorf("a timed-out run changed the users (-before +after):\n%s", diff)
	}
	latest, _ := f.store.LatestSyncRun(t.Context(), f.tenantID)
	if latest.ID != run.ID || latest.Result != secusers.SyncFailed {
		t.Errorf("latest run %+v, want the failed run %s", latest, run.ID)
	}
}

// A run started while another of the tenant is under way records nothing
// and fails as Conflict, saying when the other started; the other one is
// not disturbed, and the tenant can be synced again once it has ended.
func TestRunWhileAnotherRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(23))
	writing, release := make(chan struct{}), make(chan struct{})
	first := *f.syncer
	first.Store = &blockingStore{Store: f.store, sync: func(ctx context.Context) error {
		close(writing)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	type result struct {
		run secusers.SyncRun
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := first.Run(t.Context(), f.tenantID)
		done <- result{run, err}
	}()
	<-writing
	running, err := f.store.LatestSyncRun(t.Context(), f.tenantID)
	if err != nil {
		t.Fatal(err)
	}

	run, err := f.syncer.Run(t.Context(), f.tenantID)
	msg := secusers.MessageOf(err)
	if !secusers.IsKind(err, secusers.Conflict) || !strings.Contains(msg, "already being synced") ||
		!strings.Contains(msg, running.StartedAt.UTC().Format(time.RFC3339)) || strings.ContainsAny(msg, "\r\n") {
		t.Errorf("second run: got %v (%s), want one line of kind conflict saying it is already being synced since %v", err, secusers.KindOf(err), running.StartedAt)
	}
	if run.ID != "" {
		t.Errorf("second run: got %+v, want none", run)
	}
	if latest, _ := f.store.LatestSyncRun(t.Context(), f.tenantID); latest.ID != running.ID {
		t.Errorf("latest run: got %s, want the first run %s", latest.ID, running.ID)
	}

	close(release)
	if r := <-done; r.err != nil || r.run.Result != secusers.SyncSucceeded {
		t.Fatalf("first run: got %+v, %v; want it succeeded", r.run, r.err)
	}
	f.run() // the tenant is free again
}

// A run left running by a process that died, its deadline hours ahead,
// does not hold the tenant: its sync lock died with the process, and the
// next run marks it abandoned and goes ahead at once.
func TestRunAfterDeadProcessRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(24))
	dead, err := f.store.StartSyncRun(t.Context(), secusers.SyncRun{
		TenantID: f.tenantID, Deadline: time.Now().Add(2 * time.Hour), Result: secusers.SyncRunning,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Just before the new run is recorded, the dead run's record says what
	// happened to it.
	var before secusers.SyncRun
	f.syncer.Store = &blockingStore{Store: f.store, start: func(ctx context.Context) {
		before, _ = f.store.LatestSyncRun(ctx, f.tenantID)
	}, sync: func(context.Context) error { return nil }}
	run := f.run()
	if run.ID == dead.ID || run.Result != secusers.SyncSucceeded {
		t.Errorf("run: got %+v, want a new run that succeeded", run)
	}
	if before.ID != dead.ID || before.Result != secusers.SyncFailed || !strings.Contains(before.Error, "abandoned") {
		t.Errorf("the dead process's run before the new one started: %+v, want it failed as abandoned", before)
	}
}

// lockFaultStore fails the sync lock's steps as told.
type lockFaultStore struct {
	secusers.Store
	lockErr, abandonErr error
	released            int
}

func (s *lockFaultStore) LockTenantSync(ctx context.Context, tenantID string) (context.Context, func(), error) {
	if s.lockErr != nil {
		return nil, nil, s.lockErr
	}
	held, release, err := s.Store.LockTenantSync(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	return held, func() { s.released++; release() }, nil
}

func (s *lockFaultStore) AbandonSyncRuns(ctx context.Context, tenantID, reason string) (int, error) {
	if s.abandonErr != nil {
		return 0, s.abandonErr
	}
	return s.Store.AbandonSyncRuns(ctx, tenantID, reason)
}

// A run whose lock cannot be taken, or whose abandoned runs cannot be
// closed, records nothing, says why, and leaves the lock free.
func TestRunLockFaults(t *testing.T) {
	t.Parallel()
	down := secusers.Errorf(secusers.Unavailable, "the database cannot be reached")
	for _, tt := range []struct {
		name  string
		store func(secusers.Store) *lockFaultStore
	}{
		{"lock unavailable", func(st secusers.Store) *lockFaultStore { return &lockFaultStore{Store: st, lockErr: down} }},
		{"abandon fails", func(st secusers.Store) *lockFaultStore { return &lockFaultStore{Store: st, abandonErr: down} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, generated(25))
			faulty := tt.store(f.store)
			syncer := *f.syncer
			syncer.Store = faulty
			_, err := syncer.Run(t.Context(), f.tenantID)
			if !secusers.IsKind(err, secusers.Unavailable) || secusers.IsKind(err, secusers.Conflict) {
				t.Fatalf("got %v (kind %v), want the store's unavailable error", err, secusers.KindOf(err))
			}
			if _, err := f.store.LatestSyncRun(t.Context(), f.tenantID); !secusers.IsKind(err, secusers.NotFound) {
				t.Errorf("a run was recorded: %v", err)
			}
			if tt.store(f.store).lockErr == nil && faulty.released != 1 {
				t.Errorf("lock released %d times, want 1", faulty.released)
			}
			_, release, err := f.store.LockTenantSync(t.Context(), f.tenantID)
			if err != nil {
				t.Fatalf("the lock after the failed run: %v, want free", err)
			}
			release()
		})
	}
}

// A run records how many users it skipped.
func TestRunRecordsSkipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handBuilt([]graph.User{
		user(aliceID, "alice", true), user("not-a-guid", "mallory", true), user("also-not", "eve", true),
	}), fakegraph.WithPageSize(fakegraph.ReadUsers, 1))
	run := f.run()
	if run.Skipped != 2 || run.Users != 1 {
		t.Errorf("run: got %d skipped, %d users; want 2, 1", run.Skipped, run.Users)
	}
	if latest, _ := f.store.LatestSyncRun(t.Context(), f.tenantID); latest.Skipped != 2 {
		t.Errorf("recorded skipped: got %d, want 2", latest.Skipped)
	}
}

// blockingStore calls start with the context of StartSyncRun, and replaces
// SyncUsers with sync, which decides how the write goes without writing.
type blockingStore struct {
	secusers.Store
	start func(ctx context.Context)
	sync  func(ctx context.Context) error
}

func (b *blockingStore) StartSyncRun(ctx context.Context, run secusers.SyncRun) (secusers.SyncRun, error) {
	if b.start != nil {
		b.start(ctx)
	}
	return b.Store.StartSyncRun(ctx, run)
}

func (b *blockingStore) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	if err := b.sync(ctx); err != nil {
		return 0, err
	}
	return b.Store.SyncUsers(ctx, tenantID, users)
}
