package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// securityWorld is one partner with a customer, a tenant of a few users,
// and an app with a secret.
type securityWorld struct {
	partner, customer, tenant, clientID, secret string
}

func setUpSecurityWorld(t *testing.T, e *env) securityWorld {
	t.Helper()
	partner := e.id("id", "admin", "partner", "create", "--name", "Contoso MSP")
	w := securityWorld{partner: partner, customer: e.id("id", "admin", "customer", "create", "--partner", partner, "--organization", "Fabrikam")}
	w.tenant = e.id("id", "admin", "tenant", "create", "--customer", w.customer, "--name", "fabrikam.onmicrosoft.com")
	e.json("import", "users", "--tenant", w.tenant, "--file", writeFile(t, "users.jsonl", jsonLines(t, makeUsers(7, 40, "fabrikam.com"))))
	w.clientID = e.id("clientId", "admin", "app", "create", "--partner", partner, "--name", "RMM", "--permissions", "partner.um.user.read.all")
	w.secret = e.id("clientSecret", "admin", "app", "secret", "add", "--app", w.clientID)
	return w
}

// redisAvailable skips the test when no Redis listens on 127.0.0.1:6379,
// unless SECUSERS_REQUIRE_REDIS=1 says it must.
func redisAvailable(t *testing.T) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second)
	if err != nil {
		if os.Getenv("SECUSERS_REQUIRE_REDIS") == "1" {
			t.Fatalf("Redis at 127.0.0.1:6379 is required (SECUSERS_REQUIRE_REDIS=1): %v", err)
		}
		t.Skipf("no Redis at 127.0.0.1:6379 (%v); set SECUSERS_REQUIRE_REDIS=1 to fail instead", err)
	}
	conn.Close()
	return "redis://127.0.0.1:6379/0"
}

// TestRateLimitAcrossServers runs two servers on one PostgreSQL database
// that share their rate limits through Redis: together they serve the
// app's burst once, not once each; the 429 carries Retry-After, and after
// waiting it the app is served again.
//
// A server that finds Redis too slow decides alone for a while and says so
// in its log ("rate limiting per process"), which a loaded machine can
// cause; such an attempt proves nothing either way, and is repeated with a
// fresh app, whose buckets are new.
func TestRateLimitAcrossServers(t *testing.T) {
	t.Parallel()
	redisURL := redisAvailable(t)
	e := newPostgresEnv(t)
	w := setUpSecurityWorld(t, e)
	const burst = 6
	flags := []string{"--issuer", "https://secusers.lb.test", "--redis", redisURL, "--rate-limit", "0.5", "--rate-burst", strconv.Itoa(burst)}
	s1, s2 := e.serve(flags...), e.serve(flags...)
	c1, c2 := newClient(t, s1), newClient(t, s2)
	alone := func() bool {
		return strings.Contains(s1.out.String(), "rate limiting per process") || strings.Contains(s2.out.String(), "rate limiting per process")
	}
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			w.clientID = e.id("clientId", "admin", "app", "create", "--partner", w.partner, "--name", "RMM "+strconv.Itoa(attempt), "--permissions", "partner.um.user.read.all")
			w.secret = e.id("clientSecret", "admin", "app", "secret", "add", "--app", w.clientID)
		}
		token := c1.token(w.clientID, w.secret)
		served, limited := spendBurst(t, []*client{c1, c2}, token, usersPath(w.customer, w.tenant), 4*burst)
		if alone() && attempt < 3 {
			t.Logf("attempt %d: a server lost Redis for a while (served %d); trying again", attempt, served)
			continue
		}
		if limited == nil {
			t.Fatalf("%d requests were all served with a shared burst of %d", 4*burst, burst)
		}
		// One token may refill while the loop runs (0.5 a second).
		if served < burst || served > burst+1 {
			t.Fatalf("the two servers served %d requests before the first 429, want the shared burst of %d\nserver 1:\n%s\nserver 2:\n%s",
				served, burst, s1.out, s2.out)
		}
		wait, err := strconv.Atoi(limited.Header.Get("Retry-After"))
		if err != nil || wait < 1 || wait > 3 {
			t.Fatalf("Retry-After = %q, want 1–3 seconds at 0.5 requests a second", limited.Header.Get("Retry-After"))
		}
		time.Sleep(time.Duration(wait) * time.Second)
		if resp, body := c2.get(token, usersPath(w.customer, w.tenant)); resp.StatusCode != http.StatusOK {
			t.Fatalf("after waiting Retry-After: %d %s", resp.StatusCode, body)
		}
		return
	}
}

// spendBurst sends up to n requests, alternating between the clients, until
// one is refused with 429; it returns how many were served, and the 429.
func spendBurst(t *testing.T, clients []*client, token, target string, n int) (int, *http.Response) {
	t.Helper()
	served := 0
	for i := range n {
		resp, body := clients[i%len(clients)].get(token, target)
		switch resp.StatusCode {
		case http.StatusOK:
			served++
		case http.StatusTooManyRequests:
			return served, resp
		default:
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	return served, nil
}

// certificate is a self-signed RSA certificate and its key, as a partner
// would make one for its app.
type certificate struct {
	key  *rsa.PrivateKey
	der  []byte
	path string // the PEM file
}

func newCertificate(t *testing.T) certificate {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rmm.contoso.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rmm.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certificate{key: key, der: der, path: path}
}

// assertion signs an RFC 7523 client assertion with the certificate's key,
// naming the certificate by x5t#S256.
func (c certificate) assertion(t *testing.T, clientID, audience string) string {
	t.Helper()
	sum := sha256.Sum256(c.der)
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t#S256", base64.RawURLEncoding.EncodeToString(sum[:]))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: c.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	raw, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: clientID, Subject: clientID, Audience: jwt.Audience{audience}, ID: uuid.NewString(),
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// assertionToken posts a client assertion to the token endpoint.
func assertionToken(c *client, clientID, assertion string) (*http.Response, []byte) {
	c.t.Helper()
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {clientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+"/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// TestCertificateCredential registers a certificate with the CLI, gets a
// token with private_key_jwt and reads the API with it; a replayed
// assertion is refused; after the certificate is removed, new assertions
// are refused; and the audit trail shows who did it.
func TestCertificateCredential(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := setUpSecurityWorld(t, e)
	cert := newCertificate(t)
	thumbprint := e.id("thumbprint", "admin", "app", "cert", "add", "--app", w.clientID, "--file", cert.path)
	s := e.serve()
	c := newClient(t, s)
	tokenURL := s.base + "/connect/token"

	first := cert.assertion(t, w.clientID, tokenURL)
	resp, body := assertionToken(c, w.clientID, first)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("private_key_jwt: %d %s", resp.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	if resp, body := c.get(tok.AccessToken, usersPath(w.customer, w.tenant)); resp.StatusCode != http.StatusOK {
		t.Fatalf("API with the assertion's token: %d %s", resp.StatusCode, body)
	}
	if resp, body := assertionToken(c, w.clientID, first); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "invalid_client") {
		t.Errorf("replayed assertion: %d %s, want 400 invalid_client", resp.StatusCode, body)
	}
	// The issuer is an audience the RFC allows too.
	if resp, body := assertionToken(c, w.clientID, cert.assertion(t, w.clientID, s.base)); resp.StatusCode != http.StatusOK {
		t.Errorf("assertion for the issuer: %d %s", resp.StatusCode, body)
	}

	e.json("admin", "app", "cert", "remove", "--app", w.clientID, "--thumbprint", thumbprint)
	if resp, body := assertionToken(c, w.clientID, cert.assertion(t, w.clientID, tokenURL)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("assertion of a removed certificate: %d %s, want 400", resp.StatusCode, body)
	}

	stdout, _, code := e.run(nil, "admin", "audit", "list", "--target", w.clientID, "-o", "json")
	if code != 0 {
		t.Fatalf("audit list: exit %d", code)
	}
	var audit struct {
		Events []struct{ Actor, Action, Detail string } `json:"events"`
	}
	if err := json.Unmarshal([]byte(stdout), &audit); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range audit.Events {
		actions = append(actions, ev.Action)
		if me, err := user.Current(); err == nil && ev.Actor != me.Username {
			t.Errorf("%s by %q, want the OS user %q", ev.Action, ev.Actor, me.Username)
		}
		if strings.Contains(ev.Detail, w.secret) {
			t.Errorf("%s: the detail holds the secret", ev.Action)
		}
	}
	if got, want := strings.Join(actions, " "), "app.cert.remove app.cert.add app.secret.add app.create"; got != want {
		t.Errorf("audit of the app: %s, want %s", got, want)
	}
	if strings.Contains(s.out.String(), w.secret) || strings.Contains(s.out.String(), first) {
		t.Error("the server's log holds the client secret or a client assertion")
	}
}

// TestKeyRotationReachesTheServer rotates the signing key with the CLI
// while a server runs: new tokens carry the new kid within seconds, the
// old token still works, and the JWKS publishes both.
func TestKeyRotationReachesTheServer(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := setUpSecurityWorld(t, e)
	c := newClient(t, e.serve())
	old := c.token(w.clientID, w.secret)
	oldKID := kidOf(t, old)
	newKID := e.id("kid", "admin", "keys", "rotate")
	if newKID == oldKID {
		t.Fatal("rotate kept the key")
	}
	deadline := time.Now().Add(15 * time.Second)
	for kidOf(t, c.token(w.clientID, w.secret)) != newKID {
		if time.Now().After(deadline) {
			t.Fatalf("the server still signs with %s 15 s after the rotation to %s", oldKID, newKID)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if resp, body := c.get(old, usersPath(w.customer, w.tenant)); resp.StatusCode != http.StatusOK {
		t.Errorf("a token of the retired key: %d %s, want 200 until it expires", resp.StatusCode, body)
	}
	_, jwks := c.get("", "/.well-known/jwks.json")
	for _, kid := range []string{oldKID, newKID} {
		if !strings.Contains(string(jwks), `"`+kid+`"`) {
			t.Errorf("the JWKS lacks %s: %s", kid, jwks)
		}
	}
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil || len(parsed.Headers) != 1 {
		t.Fatalf("token %q: %v", token, err)
	}
	return parsed.Headers[0].KeyID
}
