package tenantsync_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
)

// testUsers is large enough for every case Generate covers.
const testUsers = 2 * fakegraph.MinCoverage

func generated(seed int64) *fakegraph.Tenant {
	return fakegraph.Generate(seed, testUsers, time.Now(), fakegraph.GenerateOptions{})
}

func TestRunDerivesEveryStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(1))
	run := f.run()
	want := expected(f.graph, run.StartedAt, 0)
	if diff := cmp.Diff(want, f.statuses()); diff != "" {
		t.Errorf("statuses (-rules +stored):\n%s", diff)
	}
	var security int
	for _, s := range want {
		if s != 0 {
			security++
		}
	}
	if run.Result != secusers.SyncSucceeded || run.Users != len(want) || run.SecurityUsers != security || len(run.Unavailable) != 0 {
		t.Errorf("run %+v: want succeeded, %d users, %d security users, nothing unavailable", run, len(want), security)
	}
	for s := range secusers.NumStatuses - 1 { // TestUser is the partner's
		if !anyHas(want, secusers.Status(s)) {
			t.Errorf("no user has %v: the test proves nothing about it", secusers.Status(s))
		}
	}
	latest, err := f.store.LatestSyncRun(t.Context(), f.tenantID)
	if err != nil || latest.ID != run.ID || latest.Result != secusers.SyncSucceeded {
		t.Errorf("latest run %+v, %v: want run %s succeeded", latest, err, run.ID)
	}
}

func anyHas(m map[string]secusers.StatusSet, s secusers.Status) bool {
	for _, v := range m {
		if v.Has(s) {
			return true
		}
	}
	return false
}

func TestRunWithCertificate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(2))
	certPEM, keyPEM, cert := selfSigned(t)
	f.fake.RegisterCertificate(testClientID, cert)
	f.connect(credentials.NewCertificate(certPEM, keyPEM))
	run := f.run()
	if diff := cmp.Diff(expected(f.graph, run.StartedAt, 0), f.statuses()); diff != "" {
		t.Errorf("statuses (-rules +stored):\n%s", diff)
	}
	if st := f.fake.Stats(fakegraph.Token); st.OK != 1 {
		t.Errorf("token requests %+v, want one that succeeded", st)
	}
}

func TestRunUnlicensed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		read   fakegraph.Endpoint
		fault  func(fakegraph.Endpoint) fakegraph.Fault
		wanted []secusers.Status
	}{
		{"registrations 403", fakegraph.ReadRegistrations, fakegraph.Unlicensed, []secusers.Status{secusers.MFADisabled}},
		{"risky users 403", fakegraph.ReadRiskyUsers, fakegraph.Unlicensed, []secusers.Status{secusers.HighRisk, secusers.MediumRisk}},
		{"devices 403", fakegraph.ReadDevices, fakegraph.Unlicensed, []secusers.Status{secusers.Compliance}},
		{"devices 400", fakegraph.ReadDevices, fakegraph.UnlicensedBadRequest, []secusers.Status{secusers.Compliance}},
		{"signInActivity 403", fakegraph.ReadUsers, fakegraph.Unlicensed, []secusers.Status{secusers.Inactive}},
		{"signInActivity 400", fakegraph.ReadUsers, fakegraph.UnlicensedBadRequest, []secusers.Status{secusers.Inactive}},
		{"permission denied", fakegraph.ReadRiskyUsers, fakegraph.Denied, []secusers.Status{secusers.HighRisk, secusers.MediumRisk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, generated(3))
			f.fake.SetFault(tc.read, tc.fault(tc.read))
			run := f.run()
			var gone secusers.StatusSet
			var got []secusers.Status
			for _, u := range run.Unavailable {
				gone = gone.With(u.Status)
				got = append(got, u.Status)
				if u.Reason == "" {
					t.Errorf("%v is unavailable without a reason", u.Status)
				}
			}
			if diff := cmp.Diff(tc.wanted, got); diff != "" {
				t.Errorf("unavailable statuses (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(expected(f.graph, run.StartedAt, gone), f.statuses()); diff != "" {
				t.Errorf("statuses (-rules +stored):\n%s", diff)
			}
		})
	}
}

func TestRunThrottled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		read  fakegraph.Endpoint
		fault fakegraph.Fault
	}{
		{"429 with Retry-After", fakegraph.ReadUsers, fakegraph.Throttled(2 * time.Second).Storm(3)},
		{"429 without Retry-After", fakegraph.ReadRiskyUsers, fakegraph.Throttled(0).Storm(3)},
		{"503", fakegraph.ReadDeleted, fakegraph.Unavailable(0).Storm(2)},
		{"500", fakegraph.ReadDomains, fakegraph.ServerError(500).Storm(2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, generated(4))
			reg := prometheus.NewRegistry()
			f.syncer.Metrics = tenantsync.NewMetrics(reg)
			f.fake.SetFault(tc.read, tc.fault)
			run := f.run()
			if diff := cmp.Diff(expected(f.graph, run.StartedAt, 0), f.statuses()); diff != "" {
				t.Errorf("statuses (-rules +stored):\n%s", diff)
			}
			if got := f.waits.count(); got != tc.fault.Count {
				t.Errorf("the client waited %d times, want %d", got, tc.fault.Count)
			}
			throttled := metricValue(t, reg, "secusers_sync_throttled_retries_total", "read", graphRead(tc.read))
			if want := tc.fault.Status == 429 || tc.fault.Status == 503; want != (throttled == float64(tc.fault.Count)) {
				t.Errorf("throttled retries %v for a storm of %d %d", throttled, tc.fault.Count, tc.fault.Status)
			}
		})
	}
}

// metricValue returns the value of the counter name whose label has value
// (any series when label is ""), or 0 when there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
			if label == "" {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// histogramCount returns the observations of every series of a histogram.
func histogramCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, mf := range families {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// graphRead is the graph client's name of a fake's endpoint.
func graphRead(e fakegraph.Endpoint) string {
	switch e {
	case fakegraph.ReadRegistrations:
		return graph.ReadRegistrationDetails
	case fakegraph.ReadDevices:
		return graph.ReadManagedDevices
	case fakegraph.ReadDeleted:
		return graph.ReadDeletedUsers
	}
	return string(e)
}

func TestRunFailureChangesNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		read  fakegraph.Endpoint
		fault fakegraph.Fault
		want  string // in the run's error
	}{
		{"users break midway", fakegraph.ReadUsers, fakegraph.ServerError(500).After(1), "read 2 (users)"},
		{"domains forbidden", fakegraph.ReadDomains, fakegraph.Denied(fakegraph.ReadDomains), "read 1 (domains)"},
		{"deleted users forbidden", fakegraph.ReadDeleted, fakegraph.Denied(fakegraph.ReadDeleted), "read 6 (deleted users)"},
		{"users without signInActivity forbidden", fakegraph.ReadUsers, fakegraph.Denied(fakegraph.ReadUsers), "read 2 (users, without signInActivity)"},
		{"risky users throttled for good", fakegraph.ReadRiskyUsers, fakegraph.Throttled(0), "gave up after"},
		{"devices 500 for good", fakegraph.ReadDevices, fakegraph.ServerError(502), "read 5 (managedDevices)"},
		{"token refused", fakegraph.Token, fakegraph.Fault{Status: 401, Code: "invalid_client", Message: "AADSTS7000215: Invalid client secret provided."}, "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, generated(5))
			first := f.run()
			before := f.users()
			f.fake.SetFault(tc.read, tc.fault)
			run, err := f.syncer.Run(t.Context(), f.tenantID)
			var re *tenantsync.RunError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *RunError", err)
			}
			if run.Result != secusers.SyncFailed || run.ID == first.ID || !strings.Contains(run.Error, tc.want) || run.FinishedAt.IsZero() {
				t.Errorf("run %+v: want a failed run whose error mentions %q", run, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(run.Error, testSecret) {
				t.Errorf("the error shows the secret: %v", err)
			}
			if diff := cmp.Diff(before, f.users()); diff != "" {
				t.Errorf("a failed run changed the users (-before +after):\n%s", diff)
			}
			latest, _ := f.store.LatestSyncRun(t.Context(), f.tenantID)
			if latest.ID != run.ID || latest.Result != secusers.SyncFailed || latest.Error != run.Error {
				t.Errorf("latest run %+v, want the failed run %+v", latest, run)
			}
		})
	}
}

func TestRunCancelledChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(6))
	f.run()
	before := f.users()
	ctx, cancel := context.WithCancel(t.Context())
	var pages atomic.Int32
	f.syncer.Progress = func(p tenantsync.Progress) {
		if p.Read == graph.ReadUsers && pages.Add(1) == 1 {
			cancel()
		}
	}
	run, err := f.syncer.Run(ctx, f.tenantID)
	if !errors.Is(err, context.Canceled) || run.Result != secusers.SyncFailed || !strings.Contains(run.Error, "cancelled") {
		t.Errorf("got run %+v, %v: want a failed run, cancelled", run, err)
	}
	if diff := cmp.Diff(before, f.users()); diff != "" {
		t.Errorf("a cancelled run changed the users (-before +after):\n%s", diff)
	}
	latest, _ := f.store.LatestSyncRun(t.Context(), f.tenantID)
	if latest.Result != secusers.SyncFailed {
		t.Errorf("latest run %+v, want it recorded as failed", latest)
	}
}

// TestRunWritesWhileReading checks that read 2's users go into the store
// while Graph is still paging them, not after: the store has the first
// user before the last page of users was read. (That no transaction is
// open meanwhile is the store's part: storetest's
// ReadersSeeTheCurrentGenerationWhileOneIsWritten.)
func TestRunWritesWhileReading(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(7), fakegraph.WithPageSize(fakegraph.ReadUsers, 2))
	var atFirst fakegraph.Stats
	f.syncer.Store = &hookStore{Store: f.store, firstUser: func() { atFirst = f.fake.Stats(fakegraph.ReadUsers) }}
	f.run()
	if final := f.fake.Stats(fakegraph.ReadUsers); atFirst.OK == 0 || atFirst.OK >= final.OK {
		t.Errorf("pages of users read when the store had its first user %+v, at the end %+v: want the store to have it while pages remain", atFirst, final)
	}
}

// hookStore calls firstUser when SyncUsers takes its first user.
type hookStore struct {
	secusers.Store
	firstUser func()
}

func (h *hookStore) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	first := true
	return h.Store.SyncUsers(ctx, tenantID, func(yield func(secusers.User, error) bool) {
		for u, err := range users {
			if first {
				h.firstUser()
				first = false
			}
			if !yield(u, err) {
				return
			}
		}
	})
}

func TestRunProgress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(8))
	var last tenantsync.Progress
	var reads []string
	f.syncer.Progress = func(p tenantsync.Progress) {
		if p.Pages < last.Pages || (p.Phase == last.Phase && (p.Users < last.Users || p.Written < last.Written)) {
			t.Errorf("progress went back: %+v after %+v", p, last)
		}
		if p.Phase == tenantsync.PhaseReading && (len(reads) == 0 || reads[len(reads)-1] != p.Read) {
			reads = append(reads, p.Read)
		}
		last = p
	}
	run := f.run()
	want := []string{graph.ReadDomains, graph.ReadRegistrationDetails, graph.ReadRiskyUsers, graph.ReadManagedDevices, graph.ReadDeletedUsers, graph.ReadUsers}
	if diff := cmp.Diff(want, reads); diff != "" {
		t.Errorf("reads in progress order (-want +got):\n%s", diff)
	}
	if last.Phase != tenantsync.PhaseWriting || last.Written != run.Users || last.Users != f.graph.Users.Len+f.graph.Deleted.Len {
		t.Errorf("last progress %+v: want writing, %d written, %d users read", last, run.Users, f.graph.Users.Len+f.graph.Deleted.Len)
	}
}

func TestRunMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(9))
	reg := prometheus.NewRegistry()
	f.syncer.Metrics = tenantsync.NewMetrics(reg)
	tenantsync.NewMetrics(reg) // a second registration shares the series
	run := f.run()
	f.fake.SetFault(fakegraph.ReadUsers, fakegraph.ServerError(500).After(0))
	f.syncer.Run(t.Context(), f.tenantID)
	if got := metricValue(t, reg, "secusers_sync_runs_total", "result", "succeeded"); got != 1 {
		t.Errorf("succeeded runs %v, want 1", got)
	}
	if got := metricValue(t, reg, "secusers_sync_runs_total", "result", "failed"); got != 1 {
		t.Errorf("failed runs %v, want 1", got)
	}
	if got := metricValue(t, reg, "secusers_sync_users_written_total", "", ""); got != float64(run.Users) {
		t.Errorf("users written %v, want %d", got, run.Users)
	}
	if got := histogramCount(t, reg, "secusers_sync_run_duration_seconds"); got != 2 {
		t.Errorf("durations observed %d, want 2", got)
	}
}

func TestRunNotConnected(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	s := &tenantsync.Syncer{Store: st, Box: newBox(t)}
	_, err := s.Run(t.Context(), createTenant(t, st))
	if !secusers.IsKind(err, secusers.NotFound) || !strings.Contains(secusers.MessageOf(err), "admin tenant connect") {
		t.Errorf("got %v, want NotFound that says how to connect", err)
	}
}

func TestRunWrongKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, generated(10))
	f.syncer.Box = newBox(t)
	_, err := f.syncer.Run(t.Context(), f.tenantID)
	if !secusers.IsKind(err, secusers.Invalid) || !errors.Is(err, credentials.ErrOpen) {
		t.Errorf("got %v, want Invalid wrapping ErrOpen", err)
	}
	if _, err := f.store.LatestSyncRun(t.Context(), f.tenantID); !secusers.IsKind(err, secusers.NotFound) {
		t.Errorf("a run that could not start was recorded (%v)", err)
	}
}
