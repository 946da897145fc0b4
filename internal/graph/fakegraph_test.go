package graph_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"iter"
	"math/big"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
)

// The integration tests read a generated tenant through fakegraph, the fake
// the sync's end-to-end tests use, so the client and the fake agree on the
// wire: tokens, paging, $select and $top, and the faults.

const (
	fakeClientID = "0f9e8d7c-6b5a-4948-8372-615049382716"
	fakeSecret   = "abc8Q~integration-secret"
)

// fakeTenant serves a generated tenant of n users in small pages, so that
// every read spans several.
func fakeTenant(t *testing.T, n int) (*fakegraph.Tenant, *fakegraph.Server, *httptest.Server) {
	t.Helper()
	tenant := fakegraph.Generate(7, n, time.Now(), fakegraph.GenerateOptions{})
	srv := fakegraph.NewServer(tenant,
		fakegraph.WithPageSize(fakegraph.ReadDomains, 2),
		fakegraph.WithPageSize(fakegraph.ReadRegistrations, 250),
		fakegraph.WithPageSize(fakegraph.ReadRiskyUsers, 20),
		fakegraph.WithPageSize(fakegraph.ReadDevices, 300))
	srv.RegisterSecret(fakeClientID, fakeSecret)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return tenant, srv, hs
}

// waits records the client's waits instead of waiting.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

func fakeClient(t *testing.T, tenant *fakegraph.Tenant, hs *httptest.Server, creds graph.Credentials, w *waits) *graph.Client {
	t.Helper()
	c, err := graph.New(graph.Config{
		GraphURL: hs.URL, LoginURL: hs.URL, EntraTenantID: tenant.EntraTenantID, ClientID: fakeClientID,
		Credentials: creds, HTTPClient: hs.Client(), Sleep: w.sleep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// same checks that a read yields exactly the tenant's items, in order.
func same[T, W any](t *testing.T, read string, got iter.Seq2[T, error], want iter.Seq[W], conv func(W) T) {
	t.Helper()
	var g, w []T
	for v, err := range got {
		if err != nil {
			t.Fatalf("%s: %v", read, err)
		}
		g = append(g, v)
	}
	for v := range want {
		w = append(w, conv(v))
	}
	if len(w) == 0 {
		t.Fatalf("%s: the generated tenant has none: the test would prove nothing", read)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s (-tenant +read):\n%s", read, diff)
	}
}

func TestReadGeneratedTenant(t *testing.T) {
	t.Parallel()
	cert, key := fakeCert(t)
	for _, tc := range []struct {
		name  string
		creds graph.Credentials
	}{
		{"client secret", graph.Credentials{ClientSecret: fakeSecret}},
		{"certificate", graph.Credentials{Certificate: cert, PrivateKey: key}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tenant, srv, hs := fakeTenant(t, 1200)
			srv.RegisterCertificate(fakeClientID, cert)
			c := fakeClient(t, tenant, hs, tc.creds, &waits{})
			ctx := t.Context()
			same(t, "domains", c.Domains(ctx), tenant.Domains.Values(), func(d graph.Domain) graph.Domain { return d })
			same(t, "users", c.Users(ctx, true), tenant.Users.Values(), func(u graph.User) graph.User { return u })
			same(t, "users without signInActivity", c.Users(ctx, false), tenant.Users.Values(), withoutSignIns)
			same(t, "registrationDetails", c.RegistrationDetails(ctx), tenant.Registrations.Values(),
				func(r fakegraph.Registration) graph.RegistrationDetail { return r.RegistrationDetail })
			same(t, "riskyUsers", c.RiskyUsers(ctx), tenant.RiskyUsers.Values(),
				func(r fakegraph.RiskyUser) graph.RiskyUser { return r.RiskyUser })
			same(t, "managedDevices", c.ManagedDevices(ctx), tenant.Devices.Values(),
				func(d fakegraph.Device) graph.ManagedDevice { return d.ManagedDevice })
			same(t, "deletedUsers", c.DeletedUsers(ctx), tenant.Deleted.Values(), withoutSignIns)

			if got := srv.Stats(fakegraph.Token).Requests; got != 1 {
				t.Errorf("token requests: got %d, want 1 for every read", got)
			}
			// 1200 users: 3 pages of 500 with sign-ins, 2 of 999 without.
			if got := srv.Stats(fakegraph.ReadUsers).OK; got != 5 {
				t.Errorf("users pages: got %d, want 5", got)
			}
		})
	}
}

// withoutSignIns is a user as a read that does not select signInActivity
// sees it.
func withoutSignIns(u graph.User) graph.User {
	u.SignInActivity = nil
	return u
}

// TestFakeGraphFaults runs the fake's switchable failures through the
// client: what it retries, how long it waits, what it reports.
func TestFakeGraphFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		endpoint fakegraph.Endpoint
		fault    fakegraph.Fault
		read     func(context.Context, *graph.Client) error
		waits    []time.Duration // exact, or nil to check backoffs
		backoffs int
		check    func(error) bool // nil: the read succeeds
	}{
		{"429 storm without Retry-After", fakegraph.ReadRiskyUsers, fakegraph.Throttled(0).Storm(3), riskyUsers, nil, 3, nil},
		{"429 storm with Retry-After", fakegraph.ReadRiskyUsers, fakegraph.Throttled(2 * time.Second).Storm(2), riskyUsers,
			[]time.Duration{2 * time.Second, 2 * time.Second}, 0, nil},
		{"503 then pages", fakegraph.ReadUsers, fakegraph.Unavailable(0).Nth(1), users, nil, 1, nil},
		{"500 then pages", fakegraph.ReadDevices, fakegraph.ServerError(500).Storm(1), devices, nil, 1, nil},
		{"throttled for good", fakegraph.ReadRiskyUsers, fakegraph.Throttled(0), riskyUsers, nil, 5, graph.IsThrottled},
		{"token throttled", fakegraph.Token, fakegraph.Throttled(3 * time.Second).Nth(1), users,
			[]time.Duration{3 * time.Second}, 0, nil},
		{"registrations unlicensed", fakegraph.ReadRegistrations, fakegraph.Unlicensed(fakegraph.ReadRegistrations), registrations,
			nil, 0, graph.IsUnlicensed},
		{"risky users unlicensed", fakegraph.ReadRiskyUsers, fakegraph.Unlicensed(fakegraph.ReadRiskyUsers), riskyUsers,
			nil, 0, graph.IsUnlicensed},
		{"Intune's 400", fakegraph.ReadDevices, fakegraph.UnlicensedBadRequest(fakegraph.ReadDevices), devices, nil, 0, graph.IsUnlicensed},
		{"signInActivity unlicensed (403)", fakegraph.ReadUsers, fakegraph.Unlicensed(fakegraph.ReadUsers), users, nil, 0, graph.IsUnlicensed},
		{"signInActivity unlicensed (400)", fakegraph.ReadUsers, fakegraph.UnlicensedBadRequest(fakegraph.ReadUsers), users, nil, 0, graph.IsUnlicensed},
		{"users without signInActivity need no licence", fakegraph.ReadUsers, fakegraph.UnlicensedBadRequest(fakegraph.ReadUsers), usersWithoutSignIns, nil, 0, nil},
		{"domains denied", fakegraph.ReadDomains, fakegraph.Denied(fakegraph.ReadDomains), domains, nil, 0, graph.IsForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tenant, srv, hs := fakeTenant(t, fakegraph.MinCoverage)
			srv.SetFault(tc.endpoint, tc.fault)
			w := &waits{}
			err := tc.read(t.Context(), fakeClient(t, tenant, hs, graph.Credentials{ClientSecret: fakeSecret}, w))
			switch {
			case tc.check == nil && err != nil:
				t.Fatalf("read: %v", err)
			case tc.check != nil && !tc.check(err):
				t.Fatalf("read: got %v, want an error that passes the check", err)
			}
			if tc.waits != nil {
				if diff := cmp.Diff(tc.waits, w.all()); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
				return
			}
			got := w.all()
			if len(got) != tc.backoffs {
				t.Fatalf("waits: got %v, want %d backoffs", got, tc.backoffs)
			}
			for i, d := range got {
				if lo, hi := graph.DefaultBaseBackoff<<i, graph.DefaultBaseBackoff<<(i+1); d < lo || d >= hi {
					t.Errorf("wait %d: got %v, want in [%v, %v)", i+1, d, lo, hi)
				}
			}
		})
	}
}

func drain[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func domains(ctx context.Context, c *graph.Client) error { return drain(c.Domains(ctx)) }
func users(ctx context.Context, c *graph.Client) error   { return drain(c.Users(ctx, true)) }
func usersWithoutSignIns(ctx context.Context, c *graph.Client) error {
	return drain(c.Users(ctx, false))
}
func registrations(ctx context.Context, c *graph.Client) error {
	return drain(c.RegistrationDetails(ctx))
}
func riskyUsers(ctx context.Context, c *graph.Client) error { return drain(c.RiskyUsers(ctx)) }
func devices(ctx context.Context, c *graph.Client) error    { return drain(c.ManagedDevices(ctx)) }

// TestFakeGraphTokenRenewed lets the fake's tokens expire during a read,
// on a clock the fake and the client share.
func TestFakeGraphTokenRenewed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tenant := fakegraph.Generate(7, 1200, now, fakegraph.GenerateOptions{})
	srv := fakegraph.NewServer(tenant, fakegraph.WithClock(clock), fakegraph.WithTokenLifetime(time.Hour))
	srv.RegisterSecret(fakeClientID, fakeSecret)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, err := graph.New(graph.Config{
		GraphURL: hs.URL, LoginURL: hs.URL, EntraTenantID: tenant.EntraTenantID, ClientID: fakeClientID,
		Credentials: graph.Credentials{ClientSecret: fakeSecret}, HTTPClient: hs.Client(), Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range c.Users(t.Context(), true) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%500 == 0 { // the end of a page: 50 minutes pass
			mu.Lock()
			now = now.Add(50 * time.Minute)
			mu.Unlock()
		}
	}
	if got := srv.Stats(fakegraph.Token).Requests; got != 2 {
		t.Errorf("token requests: got %d, want 2 (one renewal)", got)
	}
	if got := srv.Stats(fakegraph.ReadUsers); got.Failed != 0 || got.OK != 3 {
		t.Errorf("users answers: got %+v, want 3 pages and no refusal", got)
	}
}

func fakeCert(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "secusers"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
