package graph

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
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
	"github.com/google/go-cmp/cmp"
)

func TestTokenRequestWithSecret(t *testing.T) {
	t.Parallel()
	env := newEnv(t, domainsPage("a"))
	if _, err := collect(env.client().Domains(t.Context())); err != nil {
		t.Fatal(err)
	}
	reqs := env.tokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("token requests: got %d, want 1", len(reqs))
	}
	want := tokenRequest{
		Path:        "/login/" + testTenant + "/oauth2/v2.0/token",
		ContentType: "application/x-www-form-urlencoded",
		Form: url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {testClientID},
			"client_secret": {testSecret},
			"scope":         {env.srv.URL + "/.default"},
		},
	}
	if diff := cmp.Diff(want, reqs[0]); diff != "" {
		t.Errorf("token request (-want +got):\n%s", diff)
	}
}

// newTestCert returns a self-signed certificate and its key, as a partner
// uploads to the app registration. RSA key generation is slow, so the
// package's tests share two pairs: the i-th call of a test gets pair i%2.
func newTestCert(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	pairs, err := testCertPairs()
	if err != nil {
		t.Fatal(err)
	}
	testCertCalls.Lock()
	defer testCertCalls.Unlock()
	i := testCertCalls.n[t.Name()] % len(pairs)
	testCertCalls.n[t.Name()]++
	return pairs[i].cert, pairs[i].key
}

type certPair struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

var testCertCalls = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

var testCertPairs = sync.OnceValues(func() ([]certPair, error) {
	var pairs []certPair
	for i := range 2 {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "secusers sync"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, certPair{cert, key})
	}
	return pairs, nil
})

func TestTokenRequestWithCertificate(t *testing.T) {
	t.Parallel()
	cert, key := newTestCert(t)
	env := newEnv(t, domainsPage("a"))
	c := env.client(func(c *Config) { c.Credentials = Credentials{Certificate: cert, PrivateKey: key} })
	start := env.clock.Now()
	for range 2 { // two tokens, to see two assertions
		if _, err := collect(c.Domains(t.Context())); err != nil {
			t.Fatal(err)
		}
		env.clock.Advance(2 * time.Hour)
	}
	reqs := env.tokenRequests()
	if len(reqs) != 2 {
		t.Fatalf("token requests: got %d, want 2", len(reqs))
	}
	tokenURL := env.srv.URL + "/login/" + testTenant + "/oauth2/v2.0/token"
	jtis := map[string]bool{}
	for i, r := range reqs {
		f := r.Form
		if f.Has("client_secret") || r.Authorization != "" {
			t.Errorf("request %d sends a secret besides the assertion", i)
		}
		for k, want := range map[string]string{
			"grant_type": "client_credentials", "client_id": testClientID, "scope": env.srv.URL + "/.default",
			"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		} {
			if got := f.Get(k); got != want {
				t.Errorf("request %d: %s: got %q, want %q", i, k, got, want)
			}
		}
		claims := verifyAssertion(t, f.Get("client_assertion"), cert)
		if claims.Aud != tokenURL || claims.Iss != testClientID || claims.Sub != testClientID {
			t.Errorf("claims aud, iss, sub: got %q, %q, %q; want %q and the client id", claims.Aud, claims.Iss, claims.Sub, tokenURL)
		}
		now := start.Add(time.Duration(i) * 2 * time.Hour).Unix()
		if claims.Nbf != now || claims.Iat != now {
			t.Errorf("nbf, iat: got %d, %d; want the clock's %d", claims.Nbf, claims.Iat, now)
		}
		if life := claims.Exp - claims.Nbf; life <= 0 || life > 600 {
			t.Errorf("exp - nbf: got %ds, want at most ten minutes", life)
		}
		if claims.Jti == "" || jtis[claims.Jti] {
			t.Errorf("jti %q: want a fresh one per assertion", claims.Jti)
		}
		jtis[claims.Jti] = true
	}
}

type assertionClaims struct {
	Aud           string // a string, not an array: what Entra's samples send
	Iss, Sub, Jti string
	Nbf, Iat, Exp int64
}

// verifyAssertion checks the assertion's signature with the certificate's
// public key and its headers, and returns its claims.
func verifyAssertion(t *testing.T, assertion string, cert *x509.Certificate) assertionClaims {
	t.Helper()
	jws, err := jose.ParseSignedCompact(assertion, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse assertion: %v", err)
	}
	payload, err := jws.Verify(cert.PublicKey)
	if err != nil {
		t.Fatalf("verify assertion with the certificate: %v", err)
	}
	h := jws.Signatures[0].Protected
	s256, s1 := sha256.Sum256(cert.Raw), sha1.Sum(cert.Raw)
	for name, want := range map[string]string{
		"x5t#S256": base64.RawURLEncoding.EncodeToString(s256[:]),
		"x5t":      base64.RawURLEncoding.EncodeToString(s1[:]),
		"typ":      "JWT",
	} {
		if got := h.ExtraHeaders[jose.HeaderKey(name)]; got != want {
			t.Errorf("header %s: got %v, want %s", name, got, want)
		}
	}
	if h.Algorithm != "RS256" {
		t.Errorf("alg: got %s, want RS256", h.Algorithm)
	}
	var c assertionClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatalf("claims: %v", err)
	}
	return c
}

// TestTokenReusedAndRenewed checks that one token serves every request
// until shortly before it expires.
func TestTokenReusedAndRenewed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		mu.Unlock()
		domainsPage("a")(w, r)
	})
	c := env.client()
	read := func() {
		t.Helper()
		if _, err := collect(c.Domains(t.Context())); err != nil {
			t.Fatal(err)
		}
	}
	read()
	read()
	env.clock.Advance(58 * time.Minute) // the token lives an hour
	read()
	env.clock.Advance(2 * time.Minute) // within a minute of its expiry
	read()
	read()
	if diff := cmp.Diff([]string{"tok-1", "tok-1", "tok-1", "tok-2", "tok-2"}, seen); diff != "" {
		t.Errorf("tokens Graph saw (-want +got):\n%s", diff)
	}
	if n := len(env.tokenRequests()); n != 2 {
		t.Errorf("token requests: got %d, want 2", n)
	}
}

// TestTokenRefusedByGraph checks that a token Graph refuses (revoked,
// clocks apart) is replaced at once, but only once per request.
func TestTokenRefusedByGraph(t *testing.T) {
	t.Parallel()
	env := newEnv(t, domainsPage("a"))
	c := env.client()
	if _, err := collect(c.Domains(t.Context())); err != nil {
		t.Fatal(err)
	}
	env.revoke("tok-1")
	if _, err := collect(c.Domains(t.Context())); err != nil {
		t.Fatalf("after revoking the token: %v", err)
	}
	if n := len(env.tokenRequests()); n != 2 {
		t.Errorf("token requests: got %d, want 2", n)
	}
	if w := env.waits(); len(w) != 0 {
		t.Errorf("waits: got %v, want none", w)
	}

	// A Graph that refuses every token: one new token, then the 401.
	always := newEnv(t, status(401))
	_, err := collect(always.client().Domains(t.Context()))
	var ge *Error
	if !errors.As(err, &ge) || ge.StatusCode != 401 {
		t.Fatalf("error: got %v, want Graph's 401", err)
	}
	if n := len(always.tokenRequests()); n != 2 {
		t.Errorf("token requests: got %d, want 2", n)
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	echo := "AADSTS7000215: Invalid client secret provided: " + testSecret + " / " + url.QueryEscape(testSecret)
	for _, tc := range []struct {
		name      string
		responses []http.HandlerFunc
		maxTries  int
		waits     int
		err       []string // substrings of the error; "" entries none
		status    int
	}{
		{name: "invalid client, the secret echoed", responses: []http.HandlerFunc{tokenError(401, "invalid_client", echo)},
			err: []string{"token from http://", "/login/" + testTenant + "/oauth2/v2.0/token", "invalid_client", "AADSTS7000215", "[redacted]", "(HTTP 401)"}, status: 401},
		{name: "a non-OAuth error page", responses: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>"+r.PostFormValue("client_secret")+"</html>", http.StatusBadRequest)
		}}, err: []string{"HTTP Bad Request (HTTP 400)"}, status: 400},
		{name: "500 then a token", responses: []http.HandlerFunc{tokenError(500, "temporarily_unavailable", "try later"), nil}, waits: 1},
		{name: "500 until MaxTries", maxTries: 3, responses: []http.HandlerFunc{tokenError(503, "temporarily_unavailable", "try later")},
			waits: 2, err: []string{"temporarily_unavailable", "gave up after 3 tries"}, status: 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seq := &sequence{responses: tc.responses}
			env := newEnv(t, domainsPage("a"))
			env.login = func(w http.ResponseWriter, r *http.Request) {
				seq.mu.Lock()
				h := tc.responses[min(seq.calls, len(tc.responses)-1)]
				seq.calls++
				seq.mu.Unlock()
				if h == nil { // a real token
					env.mu.Lock()
					env.valid["tok-ok"] = true
					env.mu.Unlock()
					writeJSON(w, 200, map[string]any{"token_type": "Bearer", "access_token": "tok-ok", "expires_in": 3600})
					return
				}
				h(w, r)
			}
			_, err := collect(env.client(func(c *Config) { c.MaxTries = tc.maxTries }).Domains(t.Context()))
			if got := len(env.waits()); got != tc.waits {
				t.Errorf("waits: got %d, want %d", got, tc.waits)
			}
			if tc.err == nil {
				if err != nil {
					t.Fatalf("Domains: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Domains: no error")
			}
			msg := err.Error()
			for _, want := range tc.err {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q: want it to contain %q", msg, want)
				}
			}
			if strings.Contains(msg, testSecret) || strings.Contains(msg, url.QueryEscape(testSecret)) {
				t.Errorf("error %q carries the secret", msg)
			}
			var te *TokenError
			if !errors.As(err, &te) || te.StatusCode != tc.status {
				t.Errorf("error: got %#v, want a *TokenError with status %d", err, tc.status)
			}
		})
	}
}

func tokenError(status int, code, description string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, status, map[string]any{"error": code, "error_description": description, "error_codes": []int{7000215}})
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	env := newEnv(t, domainsPage("a"))
	c := env.client(func(c *Config) { c.LoginURL = dead.URL; c.MaxTries = 2 })
	_, err := collect(c.Domains(t.Context()))
	if err == nil || !strings.Contains(err.Error(), "token from "+dead.URL) || !strings.Contains(err.Error(), "gave up after 2 tries") {
		t.Errorf("error: got %v, want the token URL and the tries", err)
	}
	if got := len(env.waits()); got != 1 {
		t.Errorf("waits: got %d, want 1", got)
	}
}

// TestTokenWaitCancelled checks that a request waiting for a token being
// fetched by another can give up on its own context, and the fetch on its.
func TestTokenWaitCancelled(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	env := newEnv(t, domainsPage("a"))
	env.login = func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm() // the server notices a closed connection once the body is read
		close(entered)
		<-r.Context().Done() // a login endpoint that never answers
	}
	c := env.client()

	fetchCtx, cancelFetch := context.WithCancel(t.Context())
	fetchDone := make(chan error, 1)
	go func() { _, err := collect(c.Domains(fetchCtx)); fetchDone <- err }()
	<-entered

	waitCtx, cancelWait := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelWait()
	if _, err := collect(c.Users(waitCtx, true)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting read: got %v, want context.DeadlineExceeded", err)
	}
	cancelFetch()
	select {
	case err := <-fetchDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("fetching read: got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the token fetch did not end with its context")
	}
}
