package storetest

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// syncTests cover the sync's part of the store: tenant connections,
// sync-run records, the tenant's sync lock, and SyncUsers.
var syncTests = []test{
	{"connection saved, read, replaced, listed", testConnections},
	{"connection refused for an unknown tenant or bad fields", testConnectionErrors},
	{"runs started, finished, latest", testSyncRuns},
	{"SyncUsers keeps the partner's fields", testSyncUsersKeepsPartnerFields},
	{"SyncUsers that fails changes nothing", testSyncUsersAtomic},
	{"run refused without a deadline after its start", testSyncRunDeadlineRequired},
	{"run refused while another of the tenant runs", testSyncRunConflict},
	{"run past its deadline taken over", testSyncRunAbandoned},
	{"concurrent starts of one tenant: one wins", testSyncRunRace},
	{"the tenant's sync lock: one holder at a time", testSyncLock},
	{"concurrent sync locks of one tenant: one wins", testSyncLockRace},
	{"runs left running abandoned by the lock's holder", testAbandonSyncRuns},
	{"a run id used before is refused, never overwritten", testSyncRunIDReused},
	{"a run's end is written once: a finished or abandoned run is not rewritten", testSyncRunEndsOnce},
	{"connection saves audited, syncs not", testSyncAudit},
}

func newConnection(tenantID string) secusers.TenantConnection {
	return secusers.TenantConnection{
		TenantID: tenantID, EntraTenantID: newID(), ClientID: newID(), Credentials: []byte{1, 2, 3},
		GraphURL: "https://graph.microsoft.com", LoginURL: "https://login.microsoftonline.com", InactiveDays: 90,
	}
}

func testConnections(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	_, err := s.TenantConnection(ctx(t), tenant.ID)
	wantKind(t, "connection of an unconnected tenant", err, secusers.NotFound)

	c := newConnection(tenant.ID)
	saved, err := s.SaveTenantConnection(ctx(t), c)
	must(t, "save", err)
	got, err := s.TenantConnection(ctx(t), tenant.ID)
	must(t, "read", err)
	if diff := cmp.Diff(saved, got); diff != "" {
		t.Errorf("read back (-saved +got):\n%s", diff)
	}
	if got.CreatedAt.IsZero() || got.Credentials == nil || string(got.Credentials) != string(c.Credentials) {
		t.Errorf("got %+v, want created time and the credentials", got)
	}

	c.ClientID, c.InactiveDays, c.Credentials = newID(), 30, []byte{9}
	_, err = s.SaveTenantConnection(ctx(t), c)
	must(t, "replace", err)
	got, err = s.TenantConnection(ctx(t), tenant.ID)
	must(t, "read", err)
	if got.ClientID != c.ClientID || got.InactiveDays != 30 || string(got.Credentials) != "\x09" || !got.CreatedAt.Equal(saved.CreatedAt) {
		t.Errorf("after replacing: got %+v, want the new fields and the first creation time", got)
	}

	other := newTenant(t, s)
	_, err = s.SaveTenantConnection(ctx(t), newConnection(other.ID))
	must(t, "save another", err)
	all, err := s.TenantConnections(ctx(t))
	must(t, "list", err)
	if len(all) != 2 {
		t.Errorf("listed %d connections, want 2", len(all))
	}
}

func testConnectionErrors(t *testing.T, s secusers.Store) {
	_, err := s.SaveTenantConnection(ctx(t), newConnection(newID()))
	wantKind(t, "unknown tenant", err, secusers.NotFound)
	tenant := newTenant(t, s)
	for _, change := range []func(*secusers.TenantConnection){
		func(c *secusers.TenantConnection) { c.EntraTenantID = "contoso" },
		func(c *secusers.TenantConnection) { c.Credentials = nil },
		func(c *secusers.TenantConnection) { c.InactiveDays = 0 },
		func(c *secusers.TenantConnection) { c.ClientID = "" },
	} {
		c := newConnection(tenant.ID)
		change(&c)
		_, err := s.SaveTenantConnection(ctx(t), c)
		wantKind(t, "bad connection", err, secusers.Invalid)
	}
	_, err = s.TenantConnection(ctx(t), tenant.ID)
	wantKind(t, "after refused saves", err, secusers.NotFound)
}

// newRun returns a run of the tenant to start, due to end within the hour.
func newRun(tenantID string) secusers.SyncRun {
	return secusers.SyncRun{ID: newID(), TenantID: tenantID, Deadline: time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)}
}

func testSyncRuns(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	_, err := s.LatestSyncRun(ctx(t), tenant.ID)
	wantKind(t, "no runs yet", err, secusers.NotFound)
	_, err = s.StartSyncRun(ctx(t), newRun(newID()))
	wantKind(t, "run of an unknown tenant", err, secusers.NotFound)

	in := newRun(tenant.ID)
	first, err := s.StartSyncRun(ctx(t), in)
	must(t, "start", err)
	if first.Result != secusers.SyncRunning || first.StartedAt.IsZero() || !first.Deadline.Equal(in.Deadline) {
		t.Errorf("started run %+v, want running with a start time and deadline %v", first, in.Deadline)
	}
	got, err := s.LatestSyncRun(ctx(t), tenant.ID)
	must(t, "latest while running", err)
	if diff := cmp.Diff(first, got, cmpEmpty); diff != "" {
		t.Errorf("latest while running (-started +got):\n%s", diff)
	}
	first.Result, first.Users, first.SecurityUsers, first.Error = secusers.SyncFailed, 0, 0, "Graph said no"
	must(t, "finish", s.FinishSyncRun(ctx(t), first))

	time.Sleep(2 * time.Millisecond) // start times are kept to the millisecond
	second, err := s.StartSyncRun(ctx(t), secusers.SyncRun{TenantID: tenant.ID, Deadline: in.Deadline})
	must(t, "start again, with no id", err)
	if second.ID == "" {
		t.Errorf("started run with no id: got no id, want one given by the store")
	}
	second.Result, second.Users, second.SecurityUsers, second.Skipped = secusers.SyncSucceeded, 10, 4, 2
	second.Unavailable = []secusers.UnavailableStatus{{Status: secusers.Compliance, Reason: "no Intune licence"}}
	must(t, "finish again", s.FinishSyncRun(ctx(t), second))

	got, err = s.LatestSyncRun(ctx(t), tenant.ID)
	must(t, "latest", err)
	if got.ID != second.ID || got.Result != secusers.SyncSucceeded || got.Users != 10 || got.SecurityUsers != 4 || got.FinishedAt.IsZero() {
		t.Errorf("latest %+v, want the second run, succeeded, with its counts", got)
	}
	if got.Skipped != 2 || !got.Deadline.Equal(in.Deadline) {
		t.Errorf("latest: got %d skipped and deadline %v, want 2 and %v", got.Skipped, got.Deadline, in.Deadline)
	}
	if diff := cmp.Diff(second.Unavailable, got.Unavailable); diff != "" {
		t.Errorf("unavailable statuses (-want +got):\n%s", diff)
	}
	err = s.FinishSyncRun(ctx(t), secusers.SyncRun{ID: second.ID, TenantID: tenant.ID, Result: secusers.SyncRunning})
	wantKind(t, "finishing as running", err, secusers.Invalid)
	err = s.FinishSyncRun(ctx(t), secusers.SyncRun{ID: newID(), TenantID: tenant.ID, Result: secusers.SyncFailed})
	wantKind(t, "finishing an unknown run", err, secusers.NotFound)
}

func testSyncRunDeadlineRequired(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	for _, tc := range []struct {
		name     string
		deadline time.Time
	}{
		{"no deadline", time.Time{}},
		{"a deadline an hour ago", time.Now().Add(-time.Hour)},
	} {
		run := newRun(tenant.ID)
		run.Deadline = tc.deadline
		_, err := s.StartSyncRun(ctx(t), run)
		wantKind(t, "StartSyncRun with "+tc.name, err, secusers.Invalid)
	}
	_, err := s.LatestSyncRun(ctx(t), tenant.ID)
	wantKind(t, "latest after refused starts", err, secusers.NotFound)
}

// wantRunning fails the test unless the tenant's latest run is run, running.
func wantRunning(t *testing.T, s secusers.Store, run secusers.SyncRun) {
	t.Helper()
	got, err := s.LatestSyncRun(ctx(t), run.TenantID)
	must(t, "LatestSyncRun", err)
	if got.ID != run.ID || got.Result != secusers.SyncRunning {
		t.Errorf("latest run of tenant %s: got %s %s, want %s running", run.TenantID, got.ID, got.Result, run.ID)
	}
}

func testSyncRunConflict(t *testing.T, s secusers.Store) {
	tenant, other := newTenant(t, s), newTenant(t, s)
	first, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start", err)
	_, err = s.StartSyncRun(ctx(t), newRun(tenant.ID))
	wantKind(t, "second start while the first runs", err, secusers.Conflict)
	if msg := secusers.MessageOf(err); err != nil && (!strings.Contains(msg, tenant.ID) || !strings.Contains(msg, "already running")) {
		t.Errorf("second start: got message %q, want one naming tenant %s and saying a sync is already running", msg, tenant.ID)
	}
	wantRunning(t, s, first)

	// Another tenant's run is not held up.
	_, err = s.StartSyncRun(ctx(t), newRun(other.ID))
	must(t, "start of another tenant", err)

	first.Result = secusers.SyncSucceeded
	must(t, "finish", s.FinishSyncRun(ctx(t), first))
	time.Sleep(2 * time.Millisecond)
	next, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start after the first finished", err)
	wantRunning(t, s, next)
}

func testSyncRunAbandoned(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	dead := newRun(tenant.ID)
	dead.Deadline = time.Now().Add(150 * time.Millisecond)
	dead, err := s.StartSyncRun(ctx(t), dead)
	must(t, "start of a run that will die", err)
	// Its process is killed: it never finishes, and its deadline passes.
	time.Sleep(time.Until(dead.Deadline) + 20*time.Millisecond)
	wantRunning(t, s, dead)
	next, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start after the first's deadline passed", err)
	wantRunning(t, s, next)
	_, err = s.StartSyncRun(ctx(t), newRun(tenant.ID))
	wantKind(t, "start while the taking-over run runs", err, secusers.Conflict)
}

func testSyncRunRace(t *testing.T, s secusers.Store) {
	// The schedules of several servers racing: one run per tenant at once.
	tenant := newTenant(t, s)
	const starters = 8
	runs := make([]secusers.SyncRun, starters)
	errs := make([]error, starters)
	var wg sync.WaitGroup
	for i := range starters {
		wg.Go(func() { runs[i], errs[i] = s.StartSyncRun(ctx(t), newRun(tenant.ID)) })
	}
	wg.Wait()
	var won []secusers.SyncRun
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, runs[i])
		case !secusers.IsKind(err, secusers.Conflict):
			t.Errorf("StartSyncRun racing: got error %v of kind %v, want nil or conflict", err, secusers.KindOf(err))
		}
	}
	if len(won) != 1 {
		t.Fatalf("StartSyncRun racing %d starters on one tenant: got %d started, want 1", starters, len(won))
	}
	wantRunning(t, s, won[0])
}

func testSyncAudit(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	c := newConnection(tenant.ID)
	wantOneEvent(t, s, secusers.AuditTenantConnect, auditedChange{
		target: tenant.ID, mention: c.EntraTenantID, secrets: []string{string(c.Credentials)},
		do: func(ctx context.Context) error {
			_, err := s.SaveTenantConnection(ctx, c)
			return err
		},
	})

	before := lastEventID(t, s)
	bad := newConnection(newID())
	_, err := s.SaveTenantConnection(asActor(t), bad)
	wantKind(t, "SaveTenantConnection of an unknown tenant", err, secusers.NotFound)
	bad = newConnection(tenant.ID)
	bad.InactiveDays = 0
	_, err = s.SaveTenantConnection(asActor(t), bad)
	wantKind(t, "SaveTenantConnection invalid", err, secusers.Invalid)

	// A sync is the service at work, not an administrative change.
	run, err := s.StartSyncRun(asActor(t), newRun(tenant.ID))
	must(t, "StartSyncRun", err)
	_, err = s.SyncUsers(asActor(t), tenant.ID, Seq(mixedUsers(3)))
	must(t, "SyncUsers", err)
	run.Result = secusers.SyncSucceeded
	must(t, "FinishSyncRun", s.FinishSyncRun(asActor(t), run))
	if events := eventsAfter(t, s, before); len(events) != 0 {
		t.Errorf("refused saves and a sync: got audit events %+v, want none", events)
	}
}

func testSyncUsersKeepsPartnerFields(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	marked := newUser("Marked Tester", secusers.StatusSetOf(secusers.TestUser))
	marked.IsTestUser, marked.StartDate, marked.EndDate = true, 1000, 2000
	plain := newUser("Plain User", secusers.StatusSetOf(secusers.HighRisk))
	gone := newUser("Gone Tester", secusers.StatusSetOf(secusers.TestUser))
	gone.IsTestUser = true
	replace(t, s, tenant.ID, []secusers.User{marked, plain, gone})

	// The sync knows nothing of the partner's fields: it sends fresh users.
	freshMarked := newUser("Marked Tester", secusers.StatusSetOf(secusers.MFADisabled))
	freshMarked.ID = marked.ID
	freshPlain := newUser("Plain User", 0)
	freshPlain.ID = plain.ID
	newcomer := newUser("Newcomer", secusers.StatusSetOf(secusers.Inactive))
	n, err := s.SyncUsers(ctx(t), tenant.ID, Seq([]secusers.User{freshMarked, freshPlain, newcomer}))
	must(t, "sync", err)
	if n != 3 {
		t.Errorf("SyncUsers wrote %d users, want 3", n)
	}
	wantMarked := freshMarked
	wantMarked.IsTestUser, wantMarked.StartDate, wantMarked.EndDate = true, 1000, 2000
	wantMarked.Status = secusers.StatusSetOf(secusers.MFADisabled, secusers.TestUser)
	want := inOrder([]secusers.User{wantMarked, freshPlain, newcomer})
	if diff := cmp.Diff(want, allUsers(t, s, tenant.ID)); diff != "" {
		t.Errorf("after the sync (-want +got):\n%s", diff)
	}
}

func testSyncUsersAtomic(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	before := []secusers.User{newUser("Ann", secusers.StatusSetOf(secusers.HighRisk)), newUser("Bo", secusers.StatusSetOf(secusers.Compliance))}
	replace(t, s, tenant.ID, before)
	boom := errors.New("graph went away")
	failing := func(yield func(secusers.User, error) bool) {
		if !yield(newUser("Cy", secusers.StatusSetOf(secusers.Inactive)), nil) {
			return
		}
		yield(secusers.User{}, boom)
	}
	_, err := s.SyncUsers(ctx(t), tenant.ID, iter.Seq2[secusers.User, error](failing))
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the sequence's error", err)
	}
	if diff := cmp.Diff(inOrder(before), allUsers(t, s, tenant.ID)); diff != "" {
		t.Errorf("a failed sync changed the users (-before +after):\n%s", diff)
	}
}

func testSyncLock(t *testing.T, s secusers.Store) {
	tenant, other := newTenant(t, s), newTenant(t, s)
	_, _, err := s.LockTenantSync(ctx(t), newID())
	wantKind(t, "lock of an unknown tenant", err, secusers.NotFound)
	_, _, err = s.LockTenantSync(ctx(t), "not-a-guid")
	wantKind(t, "lock of a malformed id", err, secusers.Invalid)

	held, release, err := s.LockTenantSync(ctx(t), tenant.ID)
	must(t, "lock", err)
	if held.Err() != nil {
		t.Fatalf("held context of a fresh lock: %v, want alive", held.Err())
	}
	_, _, err = s.LockTenantSync(ctx(t), tenant.ID)
	wantKind(t, "second lock while the first is held", err, secusers.Conflict)
	if msg := secusers.MessageOf(err); err != nil && !strings.Contains(msg, tenant.ID) {
		t.Errorf("second lock: message %q, want one naming tenant %s", msg, tenant.ID)
	}
	_, releaseOther, err := s.LockTenantSync(ctx(t), other.ID)
	must(t, "lock of another tenant while the first is held", err)
	releaseOther()

	release()
	if held.Err() == nil {
		t.Error("held context after release: alive, want ended")
	}
	release() // a second release is harmless
	_, again, err := s.LockTenantSync(ctx(t), tenant.ID)
	must(t, "lock after release", err)
	again()
}

func testSyncLockRace(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	const lockers = 8
	releases := make([]func(), lockers)
	errs := make([]error, lockers)
	var wg sync.WaitGroup
	for i := range lockers {
		wg.Go(func() { _, releases[i], errs[i] = s.LockTenantSync(ctx(t), tenant.ID) })
	}
	wg.Wait()
	held := 0
	for i, err := range errs {
		switch {
		case err == nil:
			held++
			defer releases[i]()
		case !secusers.IsKind(err, secusers.Conflict):
			t.Errorf("LockTenantSync racing: got error %v of kind %v, want nil or conflict", err, secusers.KindOf(err))
		}
	}
	if held != 1 {
		t.Fatalf("LockTenantSync racing %d lockers on one tenant: got %d holders, want 1", lockers, held)
	}
}

// laterThan waits until the clock is a millisecond past start, so that a
// run started next is later than one started at start: of runs that start
// in the same millisecond (the stores' precision), the latest is the one
// with the greater id, which would make a test's "latest" a coin toss.
func laterThan(start time.Time) {
	for !time.Now().After(start.Add(time.Millisecond)) {
		time.Sleep(time.Millisecond)
	}
}

func testAbandonSyncRuns(t *testing.T, s secusers.Store) {
	tenant, other := newTenant(t, s), newTenant(t, s)
	dead, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start of a run whose process dies", err)
	alive, err := s.StartSyncRun(ctx(t), newRun(other.ID))
	must(t, "start of another tenant's run", err)

	_, release, err := s.LockTenantSync(ctx(t), tenant.ID)
	must(t, "lock", err)
	defer release()
	n, err := s.AbandonSyncRuns(ctx(t), tenant.ID, "")
	must(t, "abandon", err)
	if n != 1 {
		t.Errorf("abandoned %d runs, want 1", n)
	}
	got, err := s.LatestSyncRun(ctx(t), tenant.ID)
	must(t, "latest", err)
	if got.ID != dead.ID || got.Result != secusers.SyncFailed || got.FinishedAt.IsZero() || !strings.Contains(got.Error, "abandoned") {
		t.Errorf("the dead run after abandon: %+v, want failed, finished, with an error saying abandoned", got)
	}
	wantRunning(t, s, alive)
	laterThan(got.StartedAt)
	next, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start after abandon", err)
	wantRunning(t, s, next)
	if n, err := s.AbandonSyncRuns(ctx(t), other.ID, "stopped by the test"); err != nil || n != 1 {
		t.Errorf("abandon with a reason: %d, %v; want 1", n, err)
	}
}

func testSyncRunEndsOnce(t *testing.T, s secusers.Store) {
	tenant := newTenant(t, s)
	run, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start", err)
	_, release, err := s.LockTenantSync(ctx(t), tenant.ID)
	must(t, "lock", err)
	_, err = s.AbandonSyncRuns(ctx(t), tenant.ID, "")
	release()
	must(t, "abandon", err)
	abandoned, err := s.LatestSyncRun(ctx(t), tenant.ID)
	must(t, "latest", err)

	// The run went on after it was written off, and now reports success.
	run.Result, run.Users, run.SecurityUsers = secusers.SyncSucceeded, 7, 3
	wantKind(t, "finish of an abandoned run", s.FinishSyncRun(ctx(t), run), secusers.Conflict)
	got, err := s.LatestSyncRun(ctx(t), tenant.ID)
	must(t, "latest after the refused finish", err)
	if diff := cmp.Diff(abandoned, got, cmpEmpty); diff != "" {
		t.Errorf("the abandoned run's record changed (-before +after):\n%s", diff)
	}

	laterThan(abandoned.StartedAt)
	next, err := s.StartSyncRun(ctx(t), newRun(tenant.ID))
	must(t, "start", err)
	next.Result = secusers.SyncSucceeded
	must(t, "finish", s.FinishSyncRun(ctx(t), next))
	next.Result = secusers.SyncFailed
	wantKind(t, "second finish", s.FinishSyncRun(ctx(t), next), secusers.Conflict)
	if got, err := s.LatestSyncRun(ctx(t), tenant.ID); err != nil || got.Result != secusers.SyncSucceeded {
		t.Errorf("after a second finish: %+v, %v; want the first finish's result kept", got, err)
	}
}

func testSyncRunIDReused(t *testing.T, s secusers.Store) {
	tenant, other := newTenant(t, s), newTenant(t, s)
	run, err := s.StartSyncRun(ctx(t), newRun(other.ID))
	must(t, "start", err)
	run.Result, run.Users, run.SecurityUsers = secusers.SyncSucceeded, 7, 3
	must(t, "finish", s.FinishSyncRun(ctx(t), run))
	finished, err := s.LatestSyncRun(ctx(t), other.ID)
	must(t, "latest", err)

	for _, tenantID := range []string{other.ID, tenant.ID} {
		again := newRun(tenantID)
		again.ID = run.ID
		_, err = s.StartSyncRun(ctx(t), again)
		wantKind(t, "start with a used run id", err, secusers.Conflict)
	}
	got, err := s.LatestSyncRun(ctx(t), other.ID)
	must(t, "latest after the refused starts", err)
	if diff := cmp.Diff(finished, got, cmpEmpty); diff != "" {
		t.Errorf("the run whose id was reused changed (-before +after):\n%s", diff)
	}
	// Finishing a run of one tenant under another's id finds nothing.
	run.TenantID = tenant.ID
	wantKind(t, "finish under another tenant", s.FinishSyncRun(ctx(t), run), secusers.NotFound)
}
