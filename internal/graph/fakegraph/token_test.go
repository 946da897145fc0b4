package fakegraph

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testCert is a self-signed certificate and its key, as a partner uploads
// to its app registration.
type testCert struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

var testCerts = sync.OnceValue(func() [2]testCert {
	var out [2]testCert
	for i := range out {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)),
			Subject:      pkix.Name{CommonName: "secusers sync"},
			NotBefore:    testNow.Add(-time.Hour),
			NotAfter:     testNow.Add(365 * 24 * time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		out[i] = testCert{cert, key}
	}
	return out
})

// assertion signs a client assertion as a Graph client does, with the
// given extra header parameters and claims.
func assertion(t *testing.T, c testCert, header map[jose.HeaderKey]any, claims jwt.Claims) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	for k, v := range header {
		opts = opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: c.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func x5t(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestTokenWithSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 5)
	status, body := f.postToken(url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret},
		"scope": {"https://graph.microsoft.com/.default"},
	})
	var tok struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); status != http.StatusOK || err != nil {
		t.Fatalf("got %d %s, want 200", status, body)
	}
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 3599 || strings.Count(tok.AccessToken, ".") != 2 {
		t.Errorf("got %+v, want a Bearer JWT for 3599 s", tok)
	}
	if resp, body := f.get("/v1.0/domains", tok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("read with the token: got %d %s", resp.StatusCode, body)
	}
	if got := f.server.Stats(Token); got.Requests != 1 || got.OK != 1 {
		t.Errorf("token stats: got %+v, want 1 request, 1 OK", got)
	}
}

// TestTokenWithBasic: golang.org/x/oauth2 sends the secret in HTTP Basic
// first.
func TestTokenWithBasic(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 5)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {f.http.URL + "/.default"}}
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/"+f.tenant.EntraTenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(testClient), url.QueryEscape(testSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got %d, want 200", resp.StatusCode)
	}
}

func TestTokenWithClientAssertion(t *testing.T) {
	t.Parallel()
	certs := testCerts()
	f := newFixture(t, 5, WithClock(func() time.Time { return testNow }))
	const certClient = "22222222-3333-4444-8555-666666666666"
	f.server.RegisterCertificate(certClient, certs[0].cert)
	tokenURL := f.http.URL + "/" + f.tenant.EntraTenantID + "/oauth2/v2.0/token"
	good := jwt.Claims{
		Issuer: certClient, Subject: certClient, Audience: jwt.Audience{tokenURL}, ID: "a1",
		NotBefore: jwt.NewNumericDate(testNow.Add(-time.Minute)), Expiry: jwt.NewNumericDate(testNow.Add(10 * time.Minute)),
	}
	named := map[jose.HeaderKey]any{"x5t": x5t(certs[0].cert)}
	edit := func(change func(c *jwt.Claims)) jwt.Claims {
		c := good
		change(&c)
		return c
	}
	for _, tc := range []struct {
		name      string
		assertion string
		clientID  string
		status    int
		aadsts    string
	}{
		{"valid", assertion(t, certs[0], named, good), certClient, 200, ""},
		{"valid without client_id", assertion(t, certs[0], named, good), "", 200, ""},
		{"x5t#S256", assertion(t, certs[0], map[jose.HeaderKey]any{"x5t#S256": x5t256(certs[0].cert)}, good), certClient, 200, ""},
		{"signed by another key", assertion(t, certs[1], named, good), certClient, 401, "AADSTS700027"},
		{"unregistered certificate", assertion(t, certs[1], map[jose.HeaderKey]any{"x5t": x5t(certs[1].cert)}, good), certClient, 401, "AADSTS700027"},
		{"no thumbprint", assertion(t, certs[0], nil, good), certClient, 401, "AADSTS5002738"},
		{"expired", assertion(t, certs[0], named, edit(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(testNow.Add(-10 * time.Minute)) })), certClient, 401, "AADSTS700024"},
		{"wrong audience", assertion(t, certs[0], named, edit(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://example.com/token"} })), certClient, 401, "AADSTS50027"},
		{"client_id differs", assertion(t, certs[0], named, good), testClient, 401, "AADSTS700021"},
		{"unknown client", assertion(t, certs[0], named, edit(func(c *jwt.Claims) { c.Issuer, c.Subject = "nobody", "nobody" })), "", 400, "AADSTS700016"},
		{"not a JWT", "not.a.jwt", certClient, 401, "AADSTS50027"},
	} {
		form := url.Values{
			"grant_type": {"client_credentials"}, "scope": {f.http.URL + "/.default"},
			"client_assertion_type": {jwtBearer}, "client_assertion": {tc.assertion},
		}
		if tc.clientID != "" {
			form.Set("client_id", tc.clientID)
		}
		status, body := f.postToken(form)
		if status != tc.status || !strings.Contains(string(body), tc.aadsts) {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, status, body, tc.status, tc.aadsts)
		}
	}
}

func x5t256(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestTokenErrors: each refusal has Entra's status, error and AADSTS code,
// in Entra's body.
func TestTokenErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 5)
	certOnly := "33333333-4444-4555-8666-777777777777"
	f.server.RegisterCertificate(certOnly, testCerts()[0].cert)
	base := func(change func(v url.Values)) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}, "scope": {f.http.URL + "/.default"}}
		change(v)
		return v
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		err    string
		code   int
	}{
		{"wrong secret", base(func(v url.Values) { v.Set("client_secret", "nope") }), 401, "invalid_client", 7000215},
		{"secret of a certificate-only app", base(func(v url.Values) { v.Set("client_id", certOnly) }), 401, "invalid_client", 7000215},
		{"unknown client", base(func(v url.Values) { v.Set("client_id", "nobody") }), 400, "unauthorized_client", 700016},
		{"no credentials", base(func(v url.Values) { v.Del("client_secret") }), 401, "invalid_client", 7000218},
		{"no grant type", base(func(v url.Values) { v.Del("grant_type") }), 400, "invalid_request", 900144},
		{"password grant", base(func(v url.Values) { v.Set("grant_type", "password") }), 400, "unsupported_grant_type", 70003},
		{"no scope", base(func(v url.Values) { v.Del("scope") }), 400, "invalid_request", 900144},
		{"scope without .default", base(func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/User.Read.All") }), 400, "invalid_scope", 1002012},
		{"scope of another resource", base(func(v url.Values) { v.Set("scope", "https://management.azure.com/.default") }), 400, "invalid_resource", 500011},
	} {
		status, body := f.postToken(tc.form)
		var e entraErrorBody
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %v: %s", tc.name, err, body)
		}
		if status != tc.status || e.Error != tc.err || len(e.ErrorCodes) != 1 || e.ErrorCodes[0] != tc.code ||
			!strings.HasPrefix(e.ErrorDescription, "AADSTS") || e.TraceID == "" || e.CorrelationID == "" {
			t.Errorf("%s: got %d %s, want %d %s AADSTS%d", tc.name, status, body, tc.status, tc.err, tc.code)
		}
	}
	resp, err := http.Post(f.http.URL+"/no-such-tenant/oauth2/v2.0/token", "application/x-www-form-urlencoded",
		strings.NewReader(base(func(url.Values) {}).Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown tenant: got %d, want 400", resp.StatusCode)
	}
	// Entra also takes a verified domain name for the tenant.
	byDomain, err := http.Post(f.http.URL+"/"+f.tenant.Domains.At(1).ID+"/oauth2/v2.0/token", "application/x-www-form-urlencoded",
		strings.NewReader(base(func(url.Values) {}).Encode()))
	if err != nil {
		t.Fatal(err)
	}
	byDomain.Body.Close()
	if byDomain.StatusCode != http.StatusOK {
		t.Errorf("tenant by domain name: got %d, want 200", byDomain.StatusCode)
	}
}

// TestTokenExpires: a client must fetch a new token when its token expires.
func TestTokenExpires(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := testNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, 5, WithClock(clock), WithTokenLifetime(time.Minute))
	tok := f.token()
	if resp, _ := f.get("/v1.0/domains", tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: got %d", resp.StatusCode)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	resp, body := f.get("/v1.0/domains", tok)
	if e := graphErr(t, body); resp.StatusCode != http.StatusUnauthorized || e.Error.Message != "Lifetime validation failed, the token is expired." {
		t.Errorf("expired token: got %d %s, want 401 with Graph's lifetime message", resp.StatusCode, body)
	}
}
