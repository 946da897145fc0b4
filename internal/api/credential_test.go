package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
)

// credentialIssuer is the issuer of the real token service in these tests.
const credentialIssuer = "http://api.test"

// movableClock is the one clock of the token service and the handler, so
// that a credential can expire while the tokens it obtained are still valid.
type movableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *movableClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// credentialEnv is the fixture with the real token service as the
// handler's verifier, so that tokens are minted and checked as in
// production, and appAll holding two secrets and a certificate.
type credentialEnv struct {
	f        *fixture
	clock    *movableClock
	tokens   http.Handler // the token service's endpoints
	api      http.Handler
	secretA  string
	secretB  string
	idA      string // secretA's record id
	certKey  *ecdsa.PrivateKey
	certDER  []byte
	certName string // the certificate's SHA-1 thumbprint, as the store keeps it
}

func newCredentialEnv(t *testing.T) *credentialEnv {
	t.Helper()
	e := &credentialEnv{f: newFixture(t), clock: &movableClock{now: testNow}}
	svc, err := identity.New(context.Background(), identity.Config{Store: e.f.store, Issuer: credentialIssuer, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("identity.New: %v", err)
	}
	mux := http.NewServeMux()
	svc.Register(mux)
	e.tokens = mux
	e.api = e.f.newHandler(e.f.store, testBaseURL, func(c *Config) {
		c.Verifier = svc
		c.Now = e.clock.Now
	})
	var recA secusers.ClientSecret
	e.secretA, recA = e.addSecret(t, testNow.AddDate(1, 0, 0))
	e.idA = recA.ID
	e.secretB, _ = e.addSecret(t, testNow.AddDate(1, 0, 0))
	e.certKey, e.certDER, e.certName = e.addCertificate(t, testNow.AddDate(1, 0, 0))
	return e
}

// addSecret gives appAll a secret that expires at expiresAt.
func (e *credentialEnv) addSecret(t *testing.T, expiresAt time.Time) (string, secusers.ClientSecret) {
	t.Helper()
	secret, rec, err := identity.NewClientSecret(appAll, 1, testNow)
	if err != nil {
		t.Fatal(err)
	}
	rec.ExpiresAt = expiresAt
	if _, err := e.f.store.AddClientSecret(context.Background(), rec); err != nil {
		t.Fatalf("add client secret: %v", err)
	}
	return secret, rec
}

// addCertificate registers a new self-signed P-256 certificate, valid until
// notAfter, to appAll, as `admin app cert add` does.
func (e *credentialEnv) addCertificate(t *testing.T, notAfter time.Time) (*ecdsa.PrivateKey, []byte, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "Contoso Reporting"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := identity.ParseClientCertificate(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), appAll, testNow)
	if err != nil {
		t.Fatalf("ParseClientCertificate: %v", err)
	}
	if _, err := e.f.store.AddClientCertificate(context.Background(), rec); err != nil {
		t.Fatalf("add client certificate: %v", err)
	}
	return key, der, rec.Thumbprint
}

// token gets an access token from the token endpoint with the form.
func (e *credentialEnv) token(t *testing.T, form url.Values) string {
	t.Helper()
	form.Set("grant_type", "client_credentials")
	req := httptest.NewRequest(http.MethodPost, "/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.tokens.ServeHTTP(rec, req)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.AccessToken == "" {
		t.Fatalf("token request: got %d %s, want a token", rec.Code, rec.Body)
	}
	return body.AccessToken
}

// secretToken gets a token with client_secret_post.
func (e *credentialEnv) secretToken(t *testing.T, secret string) string {
	t.Helper()
	return e.token(t, url.Values{"client_id": {appAll}, "client_secret": {secret}})
}

// certificateToken gets a token with private_key_jwt, signing the client
// assertion with the key of the certificate der.
func (e *credentialEnv) certificateToken(t *testing.T, key *ecdsa.PrivateKey, der []byte) string {
	t.Helper()
	sum := sha1.Sum(der)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t", base64.RawURLEncoding.EncodeToString(sum[:])))
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	assertion, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: appAll, Subject: appAll, Audience: jwt.Audience{credentialIssuer + "/connect/token"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: uuid.NewString(),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return e.token(t, url.Values{
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	})
}

// get calls the endpoint with the token and returns the status and the
// error message, if any.
func (e *credentialEnv) get(t *testing.T, token string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, usersURL(true, cust1, ten1)+"?pageSize=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK {
		return rec.Code, ""
	}
	var body errorResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %s: %v", rec.Body, err)
	}
	if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") != invalidTokenChallenge {
		t.Errorf("401 with WWW-Authenticate %q, want %q", rec.Header().Get("WWW-Authenticate"), invalidTokenChallenge)
	}
	return rec.Code, body.Error.Message
}

// TestCredentialRemovalEndsItsTokens: once a secret or certificate is
// removed, or has expired, the tokens obtained with it are refused at the
// next request, while the app's tokens from its other credentials work on.
func TestCredentialRemovalEndsItsTokens(t *testing.T) {
	t.Parallel()
	const (
		removed = "the credential the access token was issued with has been removed"
		expired = "the credential the access token was issued with has expired"
	)
	tests := []struct {
		name string
		// change removes or expires a credential; it returns the token
		// that must be refused, with the message, and the tokens that
		// must still work.
		change func(t *testing.T, e *credentialEnv) (refused, msg string, working []string)
	}{
		{"secret removed", func(t *testing.T, e *credentialEnv) (string, string, []string) {
			a, b, c := e.secretToken(t, e.secretA), e.secretToken(t, e.secretB), e.certificateToken(t, e.certKey, e.certDER)
			if err := e.f.store.RemoveClientSecret(context.Background(), appAll, e.idA); err != nil {
				t.Fatal(err)
			}
			return a, removed, []string{b, c}
		}},
		{"certificate removed", func(t *testing.T, e *credentialEnv) (string, string, []string) {
			a, c := e.secretToken(t, e.secretA), e.certificateToken(t, e.certKey, e.certDER)
			key2, der2, _ := e.addCertificate(t, testNow.AddDate(1, 0, 0))
			c2 := e.certificateToken(t, key2, der2)
			// The thumbprint in any case names the certificate.
			if err := e.f.store.RemoveClientCertificate(context.Background(), appAll, strings.ToLower(e.certName)); err != nil {
				t.Fatal(err)
			}
			return c, removed, []string{a, c2}
		}},
		{"secret expired", func(t *testing.T, e *credentialEnv) (string, string, []string) {
			short, _ := e.addSecret(t, testNow.Add(10*time.Minute))
			s, b := e.secretToken(t, short), e.secretToken(t, e.secretB)
			e.clock.Advance(10 * time.Minute) // the secret's last instant has passed; its token has 50 minutes left
			return s, expired, []string{b}
		}},
		{"certificate expired", func(t *testing.T, e *credentialEnv) (string, string, []string) {
			key, der, _ := e.addCertificate(t, testNow.Add(10*time.Minute))
			c, b := e.certificateToken(t, key, der), e.secretToken(t, e.secretB)
			e.clock.Advance(10*time.Minute + time.Second) // valid through NotAfter, expired after it
			return c, expired, []string{b}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newCredentialEnv(t)
			refused, msg, working := tt.change(t, e)
			if status, got := e.get(t, refused); status != http.StatusUnauthorized || got != msg {
				t.Errorf("the credential's token: got %d %q, want 401 %q", status, got, msg)
			}
			for i, tok := range working {
				if status, got := e.get(t, tok); status != http.StatusOK {
					t.Errorf("token %d of another credential: got %d %q, want 200", i, status, got)
				}
			}
		})
	}
}

// TestCredentialTokensWork: before any change, every credential's token is
// good, so that the refusals above are due to the change alone.
func TestCredentialTokensWork(t *testing.T) {
	t.Parallel()
	e := newCredentialEnv(t)
	for name, tok := range map[string]string{
		"secret A":    e.secretToken(t, e.secretA),
		"secret B":    e.secretToken(t, e.secretB),
		"certificate": e.certificateToken(t, e.certKey, e.certDER),
	} {
		if status, msg := e.get(t, tok); status != http.StatusOK {
			t.Errorf("%s: got %d %q, want 200", name, status, msg)
		}
	}
}

// TestCredentialCheck covers what the real verifier does not produce here:
// a token of an earlier version, which names no credential and is accepted
// until it expires; a credential of a kind the handler does not know; and a
// store that cannot list the credentials.
func TestCredentialCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok := func(kind secusers.CredentialKind, id string) verifyResult {
		return verifyResult{tok: secusers.AccessToken{ID: "jti", ClientID: appAll, Scopes: []string{secusers.PermissionReadUsers},
			IssuedAt: testNow, ExpiresAt: testNow.Add(time.Hour), Credential: secusers.CredentialRef{Kind: kind, ID: id}}}
	}
	verifier := fakeVerifier{
		"tok-none":     tok("", ""),
		"tok-password": tok("password", guid(7, 1)),
		"tok-secret":   tok(secusers.CredentialSecret, guid(7, 1)),
		"tok-cert":     tok(secusers.CredentialCertificate, strings.Repeat("AB", 20)),
	}
	down := &credentialFaultStore{Store: f.store, err: secusers.Wrap(secusers.Unavailable, errAny, "the database is down")}
	tests := []struct {
		name       string
		store      secusers.Store
		token      string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"no credential", f.store, "tok-none", 200, "", ""},
		{"no credential, store down", down, "tok-none", 200, "", ""},
		{"unknown kind", f.store, "tok-password", 401, "Unauthorized", errInvalidToken.Message},
		{"secret unknown", f.store, "tok-secret", 401, "Unauthorized", "has been removed"},
		{"certificate unknown", f.store, "tok-cert", 401, "Unauthorized", "has been removed"},
		{"secrets unavailable", down, "tok-secret", 503, "ServiceUnavailable", "the database is down"},
		{"certificates unavailable", down, "tok-cert", 503, "ServiceUnavailable", "the database is down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := f.newHandler(tt.store, testBaseURL, func(c *Config) { c.Verifier = verifier })
			req := httptest.NewRequest(http.MethodGet, usersURL(true, cust1, ten1), nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tt.wantStatus == http.StatusOK {
				if rec.Code != http.StatusOK {
					t.Errorf("status: got %d (%s), want 200", rec.Code, rec.Body)
				}
				return
			}
			checkError(t, rec, tt.wantStatus, tt.wantCode, tt.wantMsg)
		})
	}
}

// errAny is a cause that the response must not show.
var errAny = errors.New("dial tcp 10.1.2.3:5432: connection refused")

// credentialFaultStore fails the credential listings with err.
type credentialFaultStore struct {
	secusers.Store
	err error
}

func (s *credentialFaultStore) ClientSecrets(context.Context, string) ([]secusers.ClientSecret, error) {
	return nil, s.err
}

func (s *credentialFaultStore) ClientCertificates(context.Context, string) ([]secusers.ClientCertificate, error) {
	return nil, s.err
}
