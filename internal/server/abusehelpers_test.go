package server_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// abuseClock is the servers' injected clock, fixed unless a test moves it.
type abuseClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *abuseClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *abuseClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// abuseEnv is a full server on a SQLite store holding the demo partner,
// customer, tenant and app, on an injected clock.
type abuseEnv struct {
	rs    *running
	store secusers.Store
	clock *abuseClock
	demo  demo.Result
}

func newAbuseEnv(t *testing.T) *abuseEnv {
	t.Helper()
	e := &abuseEnv{clock: &abuseClock{now: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)}}
	// The store shares the clock: it decides when a spent jti's record
	// may go, and a store on the real clock would let replays through.
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "abuse.db"), sqlite.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	if e.demo, err = demo.Ensure(context.Background(), e.store, e.clock.Now(), demo.Config{Users: 10, Seed: 1}); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	e.rs = startWith(t, func(c *server.Config) {
		c.Store = e.store
		c.Now = e.clock.Now
	})
	return e
}

// usersURL is the partner API endpoint of the demo tenant.
func (e *abuseEnv) usersURL() string {
	return e.rs.url + "/partner/external/v3/um/customers/" + e.demo.CustomerID + "/tenants/" + e.demo.TenantID +
		"/overview/security/users/batch"
}

// callAPI calls the users endpoint with the bearer token.
func (e *abuseEnv) callAPI(t *testing.T, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.usersURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// postToken calls the server's token endpoint with the form.
func (e *abuseEnv) postToken(t *testing.T, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.rs.url+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := do(t, req)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("token response %q: %v", body, err)
	}
	return resp, m
}

// token gets an access token for the client with its secret.
func (e *abuseEnv) token(t *testing.T, clientID, secret string) string {
	t.Helper()
	resp, body := e.postToken(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}})
	tok, _ := body["access_token"].(string)
	if resp.StatusCode != http.StatusOK || tok == "" {
		t.Fatalf("token: got %d %v, want 200 with a token", resp.StatusCode, body)
	}
	return tok
}

// newApp registers another app of the demo partner with the permissions
// and a secret.
func (e *abuseEnv) newApp(t *testing.T, permissions ...string) (secusers.App, string) {
	t.Helper()
	ctx := context.Background()
	app, err := e.store.CreateApp(ctx, secusers.App{
		ClientID: uuid.NewString(), PartnerID: e.demo.PartnerID, Name: "Abuse",
		Permissions: permissions, Scope: secusers.CustomerScope{Kind: secusers.ScopeAllCustomers},
	})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	secret, rec, err := identity.NewClientSecret(app.ClientID, 1, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddClientSecret(ctx, rec); err != nil {
		t.Fatalf("add secret: %v", err)
	}
	return app, secret
}

// signingKey returns the server's active signing key from the store, with
// its algorithm: the tests sign with it to show that a token with a good
// signature is still refused for its claims.
func (e *abuseEnv) signingKey(t *testing.T) (string, jose.SignatureAlgorithm, any) {
	t.Helper()
	keys, err := e.store.SigningKeys(context.Background())
	if err != nil || len(keys) == 0 {
		t.Fatalf("signing keys: got %d, %v", len(keys), err)
	}
	k, err := x509.ParsePKCS8PrivateKey(keys[0].PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return keys[0].ID, jose.SignatureAlgorithm(keys[0].Algorithm), k
}

// jwksPublicPEM fetches the JWKS and returns the key's public key as PEM,
// the bytes an attacker would use as an HMAC secret.
func (e *abuseEnv) jwksPublicPEM(t *testing.T, kid string) []byte {
	t.Helper()
	resp, body := get(t, e.rs.url+"/.well-known/jwks.json")
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS: got %d %s: %v", resp.StatusCode, body, err)
	}
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys named %q, want 1", len(keys), kid)
	}
	der, err := x509.MarshalPKIXPublicKey(keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// accessClaims are the claims of a valid access token at now.
func (e *abuseEnv) accessClaims(clientID, scope string) map[string]any {
	now := e.clock.Now()
	return map[string]any{
		"iss": e.rs.srv.Issuer(), "sub": clientID, "aud": identity.Audience(e.rs.srv.Issuer()), "client_id": clientID,
		"scope": scope, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": uuid.NewString(),
	}
}

// with returns claims with changes applied; a nil value deletes.
func with(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims)+len(changes))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// signJWT signs claims with key (an RSA or EC private key, or an HMAC
// secret) and the extra header members.
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key any, headers map[jose.HeaderKey]any, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range headers {
		opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
