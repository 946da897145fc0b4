package identity

import (
	"bytes"
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// fakeClock is the injectable clock: tests move it to reach expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// faultStore wraps the real store to inject outages and to show the keyring
// keys another server (or a rotation) stored. Everything else is the real
// SQLite store.
type faultStore struct {
	secusers.Store

	mu              sync.Mutex
	err             error                 // returned by the methods below while set
	extraKeys       []secusers.SigningKey // appended to SigningKeys
	signingKeyLoads int
	appLoads        int         // calls of App
	prunes          []time.Time // the bounds PruneSigningKeys was called with
	// forgetAssertions makes UseAssertionID accept every jti: fuzz targets
	// need an input to behave the same each time they run it.
	forgetAssertions bool
	// hang, when set, makes App wait until its context ends and then fail
	// with hang's error: a store that stops answering.
	hang func(ctx context.Context) error
}

func (f *faultStore) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) error {
	f.mu.Lock()
	err, forget := f.err, f.forgetAssertions
	f.mu.Unlock()
	switch {
	case err != nil:
		return err
	case forget:
		return nil
	}
	return f.Store.UseAssertionID(ctx, clientID, jti, expiresAt)
}

func (f *faultStore) PruneSigningKeys(ctx context.Context, retiredBefore time.Time) (int, error) {
	f.mu.Lock()
	f.prunes = append(f.prunes, retiredBefore)
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return f.Store.PruneSigningKeys(ctx, retiredBefore)
}

func (f *faultStore) pruneCalls() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.prunes...)
}

func (f *faultStore) fault() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *faultStore) setFault(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *faultStore) addKey(k secusers.SigningKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extraKeys = append(f.extraKeys, k)
}

// dropKeys forgets the keys addKey added, as if another server had
// deleted them.
func (f *faultStore) dropKeys() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extraKeys = nil
}

// apps counts the calls of App.
func (f *faultStore) apps() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.appLoads
}

func (f *faultStore) loads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signingKeyLoads
}

func (f *faultStore) App(ctx context.Context, id string) (secusers.App, error) {
	if err := f.fault(); err != nil {
		return secusers.App{}, err
	}
	f.mu.Lock()
	f.appLoads++
	hang := f.hang
	f.mu.Unlock()
	if hang != nil {
		<-ctx.Done()
		return secusers.App{}, hang(ctx)
	}
	return f.Store.App(ctx, id)
}

func (f *faultStore) ClientSecrets(ctx context.Context, id string) ([]secusers.ClientSecret, error) {
	if err := f.fault(); err != nil {
		return nil, err
	}
	return f.Store.ClientSecrets(ctx, id)
}

func (f *faultStore) SigningKeys(ctx context.Context) ([]secusers.SigningKey, error) {
	f.mu.Lock()
	f.signingKeyLoads++
	err, extra := f.err, append([]secusers.SigningKey(nil), f.extraKeys...)
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	keys, err := f.Store.SigningKeys(ctx)
	return append(keys, extra...), err
}

// sharedKeys are one signing key per algorithm for every test store:
// generating a 2048-bit RSA key per test would dominate the suite's time.
var sharedKeys = map[string]func() secusers.SigningKey{
	AlgorithmES256: sync.OnceValue(func() secusers.SigningKey { return mustSigningKey(AlgorithmES256) }),
	AlgorithmRS256: sync.OnceValue(func() secusers.SigningKey { return mustSigningKey(AlgorithmRS256) }),
}

func mustSigningKey(alg string) secusers.SigningKey {
	k, err := NewSigningKey(alg)
	if err != nil {
		panic(err)
	}
	return k
}

// sharedKey is the shared key of algorithm alg.
func sharedKey(alg string) secusers.SigningKey { return sharedKeys[alg]() }

// sharedParsed is the shared key of alg decoded, for tests that forge
// tokens with it.
func sharedParsed(t testing.TB, alg string) parsedKey {
	t.Helper()
	pk, err := parseSigningKey(sharedKey(alg), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// outsiderKeys are keys the stores never hold, for forged tokens.
var outsiderKeys = map[string]func() crypto.Signer{
	AlgorithmES256: sync.OnceValue(func() crypto.Signer { return mustEC(elliptic.P256()) }),
	AlgorithmRS256: sync.OnceValue(func() crypto.Signer { return outsiderKey() }),
}

// outsiderKey is an RSA key the stores never hold, for forged tokens.
var outsiderKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		panic(err)
	}
	return k
})

// syncBuffer collects log output written from handler goroutines.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	discard bool // fuzzing logs millions of lines nobody reads
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.discard {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const testIssuer = "http://127.0.0.1:8080"

// testCred is the credential of the tokens tests mint directly: the
// verifier only decodes it; the API is what checks it against the store.
var testCred = secusers.CredentialRef{Kind: secusers.CredentialSecret, ID: "00000000-0000-4000-8000-00000000c0de"}

// testEnv is a Service on a real SQLite store in a temporary directory, with
// one partner and one app that holds PermissionReadUsers and a secret. The
// store's active key is the shared key of one algorithm, ES256 unless the
// test asks for another.
type testEnv struct {
	key     parsedKey // the store's active key
	sqlite  *sqlite.Store
	store   *faultStore
	clock   *fakeClock
	logs    *syncBuffer
	svc     *Service
	handler http.Handler
	partner secusers.Partner
	app     secusers.App
	secret  string
}

// openStoreEmpty opens a new SQLite store without a signing key.
func openStoreEmpty(t testing.TB, clock *fakeClock) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "secusers.db"), sqlite.WithClock(clock.Now))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// openStore opens a new SQLite store holding the shared key of alg as its
// active key.
func openStore(t testing.TB, clock *fakeClock, alg string) *sqlite.Store {
	t.Helper()
	st := openStoreEmpty(t, clock)
	if _, err := st.EnsureSigningKey(context.Background(), sharedKey(alg)); err != nil {
		t.Fatalf("seed signing key: %v", err)
	}
	return st
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	return newTestEnvAlg(t, DefaultSigningAlgorithm)
}

// newTestEnvAlg is newTestEnv with the shared key of alg as the active key.
func newTestEnvAlg(t testing.TB, alg string) *testEnv {
	t.Helper()
	e := &testEnv{clock: newFakeClock(), logs: &syncBuffer{}, key: sharedParsed(t, alg)}
	e.sqlite = openStore(t, e.clock, alg)
	e.store = &faultStore{Store: e.sqlite}
	e.svc = e.newService(t)
	e.handler = e.handlerFor(e.svc)

	ctx := context.Background()
	var err error
	e.partner, err = e.sqlite.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Fabrikam Partner"})
	if err != nil {
		t.Fatalf("create partner: %v", err)
	}
	e.app, e.secret = e.newApp(t, secusers.PermissionReadUsers)
	return e
}

// newService starts another Service on the env's store, as a restart or a
// second server would.
func (e *testEnv) newService(t testing.TB) *Service {
	t.Helper()
	return e.newServiceWith(t, nil)
}

// newServiceWith is newService with the configuration that configure makes
// of the default.
func (e *testEnv) newServiceWith(t testing.TB, configure func(*Config)) *Service {
	t.Helper()
	cfg := Config{
		Store:  e.store,
		Issuer: testIssuer,
		Now:    e.clock.Now,
		Logger: slog.New(reqlog.NewHandler(slog.NewTextHandler(e.logs, nil))), // as the server wraps its logger
	}
	if configure != nil {
		configure(&cfg)
	}
	svc, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return svc
}

// logLine returns the first line of logs that contains s, or "".
func logLine(logs, s string) string {
	for line := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// handlerFor mounts svc behind the request-logging middleware, as the
// server does, logging to the env's logs.
func (e *testEnv) handlerFor(svc *Service) http.Handler {
	mux := http.NewServeMux()
	svc.Register(mux)
	return reqlog.Middleware(slog.New(slog.NewTextHandler(e.logs, nil)), mux)
}

// newApp registers an app with the permissions and a one-year secret.
func (e *testEnv) newApp(t testing.TB, permissions ...string) (secusers.App, string) {
	t.Helper()
	ctx := context.Background()
	app, err := e.sqlite.CreateApp(ctx, secusers.App{
		ClientID:    uuid.NewString(),
		PartnerID:   e.partner.ID,
		Name:        "Reporting",
		Permissions: permissions,
		Scope:       secusers.CustomerScope{Kind: secusers.ScopeAllCustomers},
	})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	secret, rec, err := NewClientSecret(app.ClientID, 1, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqlite.AddClientSecret(ctx, rec); err != nil {
		t.Fatalf("add client secret: %v", err)
	}
	return app, secret
}

// addSecret stores a hand-made secret for the app: NewClientSecret makes only
// base64url secrets, and some tests need characters that must be escaped.
func (e *testEnv) addSecret(t testing.TB, clientID, secret string) {
	t.Helper()
	sum := sha256.Sum256([]byte(secret))
	_, err := e.sqlite.AddClientSecret(context.Background(), secusers.ClientSecret{
		ID: uuid.NewString(), ClientID: clientID, Hash: sum[:], Hint: secret[:3],
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().AddDate(1, 0, 0),
	})
	if err != nil {
		t.Fatalf("add client secret: %v", err)
	}
}

// secretID returns the id of the app's secret record that secret matches.
func (e *testEnv) secretID(t testing.TB, clientID, secret string) string {
	t.Helper()
	records, err := e.sqlite.ClientSecrets(context.Background(), clientID)
	if err != nil {
		t.Fatalf("client secrets: %v", err)
	}
	for _, rec := range records {
		if SecretMatches(rec, secret) {
			return rec.ID
		}
	}
	t.Fatalf("app %s has no secret that matches", clientID)
	return ""
}

// tokenRequestSpec is one call of the token endpoint.
type tokenRequestSpec struct {
	body          string
	contentType   string // "application/x-www-form-urlencoded" when empty
	authorization string // the raw Authorization header; none when empty
}

// postToken calls the token endpoint through the request-logging middleware,
// as the server mounts it.
func (e *testEnv) postToken(t testing.TB, spec tokenRequestSpec) *http.Response {
	t.Helper()
	return postTo(t, e.handler, spec)
}

// postTo calls the token endpoint of h.
func postTo(t testing.TB, h http.Handler, spec tokenRequestSpec) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(spec.body))
	ct := spec.contentType
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", ct)
	if spec.authorization != "" {
		req.Header.Set("Authorization", spec.authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func (e *testEnv) get(t testing.TB, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

// decodeJSON reads a response body into a generic map.
func decodeJSON(t testing.TB, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", body, err)
	}
	return m
}
