package tenantsync_test

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

const (
	testClientID = "0f9e8d7c-6b5a-4948-8372-615049382716"
	testSecret   = "abc8Q~sync-test-secret"
)

// fixture is a store with one tenant connected to a fake Graph.
type fixture struct {
	t        *testing.T
	store    secusers.Store
	box      *credentials.Box
	tenantID string
	graph    *fakegraph.Tenant
	fake     *fakegraph.Server
	url      string
	waits    *waits
	syncer   *tenantsync.Syncer
}

// newFixture serves gt from a fake Graph in small pages, so that every
// read spans several, and connects a new tenant to it with a client secret.
func newFixture(t *testing.T, gt *fakegraph.Tenant, opts ...fakegraph.Option) *fixture {
	t.Helper()
	opts = append([]fakegraph.Option{
		fakegraph.WithPageSize(fakegraph.ReadDomains, 2),
		fakegraph.WithPageSize(fakegraph.ReadRegistrations, 250),
		fakegraph.WithPageSize(fakegraph.ReadRiskyUsers, 20),
		fakegraph.WithPageSize(fakegraph.ReadDevices, 300),
	}, opts...)
	fake := fakegraph.NewServer(gt, opts...)
	fake.RegisterSecret(testClientID, testSecret)
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	f := &fixture{t: t, store: newStore(t), box: newBox(t), graph: gt, fake: fake, url: hs.URL, waits: &waits{}}
	f.tenantID = createTenant(t, f.store)
	f.connect(credentials.NewClientSecret(testSecret))
	f.syncer = &tenantsync.Syncer{
		Store: f.store, Box: f.box, SpoolDir: t.TempDir(),
		GraphConfig: func(c *graph.Config) { c.Sleep = f.waits.sleep },
	}
	return f
}

func (f *fixture) connect(secret credentials.Secret) {
	f.t.Helper()
	_, err := tenantsync.Connect(f.t.Context(), f.store, f.box, tenantsync.Connection{
		TenantID: f.tenantID, EntraTenantID: f.graph.EntraTenantID, ClientID: testClientID,
		Secret: secret, GraphURL: f.url, LoginURL: f.url,
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// run syncs the tenant and requires success.
func (f *fixture) run() secusers.SyncRun {
	f.t.Helper()
	run, err := f.syncer.Run(f.t.Context(), f.tenantID)
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return run
}

// users returns the tenant's stored users by id.
func (f *fixture) users() map[string]secusers.User {
	f.t.Helper()
	out := map[string]secusers.User{}
	for u, err := range f.store.Users(f.t.Context(), f.tenantID) {
		if err != nil {
			f.t.Fatal(err)
		}
		out[u.ID] = u
	}
	return out
}

// statuses returns the tenant's stored statuses by user id.
func (f *fixture) statuses() map[string]secusers.StatusSet {
	f.t.Helper()
	out := map[string]secusers.StatusSet{}
	for id, u := range f.users() {
		out[id] = u.Status
	}
	return out
}

func newBox(t testing.TB) *credentials.Box {
	t.Helper()
	key := make([]byte, credentials.KeySize)
	rand.Read(key)
	box, err := credentials.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// createTenant creates a partner, customer and tenant and returns the
// tenant's id.
func createTenant(t testing.TB, st secusers.Store) string {
	t.Helper()
	ctx := context.Background()
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

// waits records the Graph client's waits instead of waiting.
type waits struct {
	mu gosync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func (w *waits) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.d)
}

// expected returns the statuses the rules give each user of gt at now,
// less the unavailable ones, by canonical user id: statuses 0–6 for the
// users of read 2, PendingDeletion for those of read 6 within 30 days.
func expected(gt *fakegraph.Tenant, now time.Time, unavailable secusers.StatusSet) map[string]secusers.StatusSet {
	out := map[string]secusers.StatusSet{}
	for f := range gt.Facts() {
		u := f.User
		var s secusers.StatusSet
		add := func(st secusers.Status, ok bool) {
			if ok {
				s = s.With(st)
			}
		}
		add(secusers.MFADisabled, f.Registration != nil && !f.Registration.IsMfaRegistered)
		add(secusers.SignInBlocked, rules.SignInBlocked(u))
		add(secusers.PasswordExpired, f.DomainOK && rules.PasswordExpiredIn(u, f.Domain, now))
		if r := f.Risk; r != nil && (r.RiskState == "atRisk" || r.RiskState == "confirmedCompromised") {
			add(secusers.HighRisk, r.RiskLevel == "high")
			add(secusers.MediumRisk, r.RiskLevel == "medium")
		}
		for _, d := range f.Devices {
			add(secusers.Compliance, d.ComplianceState == "noncompliant")
		}
		add(secusers.Inactive, rules.Inactive(u, now, rules.DefaultInactiveDays))
		out[canon(u.ID)] = s &^ unavailable
	}
	for u := range gt.Deleted.Values() {
		if rules.PendingDeletion(u, now) {
			out[canon(u.ID)] = secusers.StatusSetOf(secusers.PendingDeletion)
		}
	}
	return out
}

func canon(id string) string {
	if c, ok := secusers.ParseGUID(id); ok {
		return c
	}
	return strings.ToLower(id)
}

// ptr returns a pointer to v, for hand-built Graph users.
func ptr[T any](v T) *T { return &v }
