package client_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// What the examples read: a real secusers server that TestMain starts in
// this process, with the demo's partner, customer, tenant and app, and a
// fresh client secret. In a partner's program they come from its
// configuration.
var (
	baseURL    string
	tokenURL   string
	clientID   string
	secret     string
	customerID string
	tenantID   string
)

// demoUsers is the size of the demo tenant: several thousand users, so
// that following nextLink crosses many pages.
const demoUsers = 5000

// fixture is what the tests use beyond the examples' variables.
var fixture struct {
	store secusers.Store
	// otherCustomerID is a second customer of the partner, with a tenant
	// otherTenantID, and otherClientID an app scoped to that customer
	// only, with the secret otherSecret.
	otherCustomerID, otherTenantID string
	otherClientID, otherSecret     string
	// certClientID is an app that authenticates with certificates: an
	// RSA one and an ECDSA one.
	certClientID       string
	rsaCert, ecdsaCert *x509.Certificate
	rsaKey, ecdsaKey   crypto.Signer
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secusers-client-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code, err := run(dir, m)
	os.RemoveAll(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// run sets up the store and the server, runs the tests, and stops the
// server.
func run(dir string, m *testing.M) (int, error) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "client.db"))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	fixture.store = st
	res, err := demo.Ensure(ctx, st, time.Now(), demo.Config{Users: demoUsers})
	if err != nil {
		return 0, err
	}
	clientID, secret, customerID, tenantID = res.ClientID, res.ClientSecret, res.CustomerID, res.TenantID
	if err := addFixtures(ctx, st, res.PartnerID); err != nil {
		return 0, err
	}
	url, stop, err := startServer(st, nil)
	if err != nil {
		return 0, err
	}
	defer stop()
	baseURL, tokenURL = url, url+client.TokenPath
	return m.Run(), nil
}

// startServer starts a secusers server on the store, on a free port, with
// the configuration configure makes of the default, and returns its URL
// and the function that stops it.
func startServer(st secusers.Store, configure func(*server.Config)) (string, func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := server.Config{
		Addr: "127.0.0.1:0", Store: st,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		DrainTimeout: 5 * time.Second,
	}
	if configure != nil {
		configure(&cfg)
	}
	srv := server.New(cfg)
	if err := srv.Listen(ctx); err != nil {
		cancel()
		return "", nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	return srv.URL(), func() { cancel(); <-done }, nil
}

// addFixtures adds a second customer with a tenant and an app that may read
// only that customer, and an app with certificates.
func addFixtures(ctx context.Context, st secusers.Store, partnerID string) error {
	now := time.Now()
	fixture.otherCustomerID, fixture.otherTenantID = uuid.NewString(), uuid.NewString()
	fixture.otherClientID, fixture.certClientID = uuid.NewString(), uuid.NewString()
	if _, err := st.CreateCustomer(ctx, secusers.Customer{ID: fixture.otherCustomerID, PartnerID: partnerID, Organization: "Northwind"}); err != nil {
		return err
	}
	if _, err := st.CreateTenant(ctx, secusers.Tenant{ID: fixture.otherTenantID, CustomerID: fixture.otherCustomerID, Name: "Northwind"}); err != nil {
		return err
	}
	for _, app := range []secusers.App{
		{ClientID: fixture.otherClientID, PartnerID: partnerID, Name: "Northwind only",
			Permissions: []string{secusers.PermissionReadUsers},
			Scope:       secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{fixture.otherCustomerID}}},
		{ClientID: fixture.certClientID, PartnerID: partnerID, Name: "With certificates",
			Permissions: []string{secusers.PermissionReadUsers},
			Scope:       secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}},
	} {
		if _, err := st.CreateApp(ctx, app); err != nil {
			return err
		}
	}
	s, rec, err := identity.NewClientSecret(fixture.otherClientID, 1, now)
	if err != nil {
		return err
	}
	if _, err := st.AddClientSecret(ctx, rec); err != nil {
		return err
	}
	fixture.otherSecret = s
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	fixture.rsaKey, fixture.ecdsaKey = rsaKey, ecKey
	if fixture.rsaCert, err = registerCertificate(ctx, st, fixture.certClientID, rsaKey); err != nil {
		return err
	}
	fixture.ecdsaCert, err = registerCertificate(ctx, st, fixture.certClientID, ecKey)
	return err
}

// registerCertificate makes a self-signed certificate for key and
// registers it to the app, as `secusers admin app certificate add` does.
func registerCertificate(ctx context.Context, st secusers.Store, clientID string, key crypto.Signer) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "client test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	rec, err := identity.ParseClientCertificate(der, clientID, time.Now())
	if err != nil {
		return nil, err
	}
	if _, err := st.AddClientCertificate(ctx, rec); err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// counter is an http.RoundTripper that counts what a client sends: token
// requests, API requests, and the API's answers by status.
type counter struct {
	next     http.RoundTripper
	tokens   atomic.Int64
	api      atomic.Int64
	statuses [600]atomic.Int64
}

func (c *counter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == client.TokenPath {
		c.tokens.Add(1)
	} else {
		c.api.Add(1)
	}
	resp, err := c.next.RoundTrip(req)
	if err == nil && resp.StatusCode < len(c.statuses) {
		c.statuses[resp.StatusCode].Add(1)
	}
	return resp, err
}

// newCounter returns a counter and an http.Client that goes through it.
func newCounter() (*counter, *http.Client) {
	c := &counter{next: http.DefaultTransport}
	return c, &http.Client{Transport: c, Timeout: time.Minute}
}

// newClient returns a client of the demo app on the test server, with cfg's
// other settings.
func newClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = baseURL
	}
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = clientID, secret
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
