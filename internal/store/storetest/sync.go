package storetest

import (
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"secusers/internal/secusers"
)

// RunSync runs the conformance tests of secusers.SyncStore: tenant
// connections, sync-run records, and SyncUsers. open must return a fresh,
// empty store each time, as for Run.
func RunSync(t *testing.T, open func(t *testing.T) secusers.SyncStore) {
	for _, tc := range syncTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			defer s.Close()
			tc.run(t, s)
		})
	}
}

var syncTests = []struct {
	name string
	run  func(t *testing.T, s secusers.SyncStore)
}{
	{"connection saved, read, replaced, listed", testConnections},
	{"connection refused for an unknown tenant or bad fields", testConnectionErrors},
	{"runs started, finished, latest", testSyncRuns},
	{"SyncUsers keeps the partner's fields", testSyncUsersKeepsPartnerFields},
	{"SyncUsers that fails changes nothing", testSyncUsersAtomic},
}

func newConnection(tenantID string) secusers.TenantConnection {
	return secusers.TenantConnection{
		TenantID: tenantID, EntraTenantID: newID(), ClientID: newID(), Credentials: []byte{1, 2, 3},
		GraphURL: "https://graph.microsoft.com", LoginURL: "https://login.microsoftonline.com", InactiveDays: 90,
	}
}

func testConnections(t *testing.T, s secusers.SyncStore) {
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

func testConnectionErrors(t *testing.T, s secusers.SyncStore) {
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

func testSyncRuns(t *testing.T, s secusers.SyncStore) {
	tenant := newTenant(t, s)
	_, err := s.LatestSyncRun(ctx(t), tenant.ID)
	wantKind(t, "no runs yet", err, secusers.NotFound)
	_, err = s.StartSyncRun(ctx(t), secusers.SyncRun{ID: newID(), TenantID: newID()})
	wantKind(t, "run of an unknown tenant", err, secusers.NotFound)

	first, err := s.StartSyncRun(ctx(t), secusers.SyncRun{ID: newID(), TenantID: tenant.ID})
	must(t, "start", err)
	if first.Result != secusers.SyncRunning || first.StartedAt.IsZero() {
		t.Errorf("started run %+v, want running with a start time", first)
	}
	first.Result, first.Users, first.SecurityUsers, first.Error = secusers.SyncFailed, 0, 0, "Graph said no"
	must(t, "finish", s.FinishSyncRun(ctx(t), first))

	time.Sleep(2 * time.Millisecond) // start times are kept to the millisecond
	second, err := s.StartSyncRun(ctx(t), secusers.SyncRun{ID: newID(), TenantID: tenant.ID})
	must(t, "start again", err)
	second.Result, second.Users, second.SecurityUsers = secusers.SyncSucceeded, 10, 4
	second.Unavailable = []secusers.UnavailableStatus{{Status: secusers.Compliance, Reason: "no Intune licence"}}
	must(t, "finish again", s.FinishSyncRun(ctx(t), second))

	got, err := s.LatestSyncRun(ctx(t), tenant.ID)
	must(t, "latest", err)
	if got.ID != second.ID || got.Result != secusers.SyncSucceeded || got.Users != 10 || got.SecurityUsers != 4 || got.FinishedAt.IsZero() {
		t.Errorf("latest %+v, want the second run, succeeded, with its counts", got)
	}
	if diff := cmp.Diff(second.Unavailable, got.Unavailable); diff != "" {
		t.Errorf("unavailable statuses (-want +got):\n%s", diff)
	}
	err = s.FinishSyncRun(ctx(t), secusers.SyncRun{ID: second.ID, TenantID: tenant.ID, Result: secusers.SyncRunning})
	wantKind(t, "finishing as running", err, secusers.Invalid)
	err = s.FinishSyncRun(ctx(t), secusers.SyncRun{ID: newID(), TenantID: tenant.ID, Result: secusers.SyncFailed})
	wantKind(t, "finishing an unknown run", err, secusers.NotFound)
}

func testSyncUsersKeepsPartnerFields(t *testing.T, s secusers.SyncStore) {
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
	n, err := s.SyncUsers(ctx(t), tenant.ID, seq([]secusers.User{freshMarked, freshPlain, newcomer}))
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

func testSyncUsersAtomic(t *testing.T, s secusers.SyncStore) {
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
