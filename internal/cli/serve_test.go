package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/cli"
	"github.com/secusers/secusers/internal/demo"
)

// serving is `secusers serve` running in-process.
type serving struct {
	base           string // http://127.0.0.1:PORT
	banner         string // stdout up to the listening line
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int // the exit status
}

// serve runs `secusers serve --addr 127.0.0.1:0` with args on db until the
// test ends, and returns once it listens.
func serve(t *testing.T, db []string, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	argv := append(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), db...)
	go func() { s.done <- cli.Run(ctx, argv, strings.NewReader(""), s.stdout, s.stderr, noEnv) }()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	listening := regexp.MustCompile(`(?m)^listening on (http://127\.0\.0\.1:\d+)$`)
	for deadline := time.Now().Add(20 * time.Second); s.base == ""; time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(s.stdout.String()); m != nil {
			s.base, s.banner = m[1], s.stdout.String()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stdout %q, stderr %q", s.stdout.String(), s.stderr.String())
		}
	}
	return s
}

// token gets an access token with the client credentials.
func (s *serving) token(t *testing.T, clientID, secret string) string {
	t.Helper()
	resp, err := http.PostForm(s.base+"/connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// users calls the API for the customer's tenant with the token and returns
// the status, the Retry-After header and the body.
func (s *serving) users(t *testing.T, token, customer, tenant string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+"/partner/external/v3/um/customers/"+customer+"/tenants/"+tenant+"/overview/security/users/batch", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

// demoSecret returns the client secret the demo banner printed.
func (s *serving) demoSecret(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`client_secret=([A-Za-z0-9_-]+)`).FindStringSubmatch(s.banner)
	if m == nil {
		t.Fatalf("no client secret in the banner:\n%s", s.banner)
	}
	return m[1]
}

func TestServeDemo(t *testing.T) {
	t.Parallel()
	s := serve(t, newDB(t), "--demo", "--demo-users", "60")
	if strings.Index(s.banner, "TOKEN=$(") > strings.Index(s.banner, "listening on") {
		t.Fatalf("got stdout %q, want the demo's commands before the listening line", s.banner)
	}
	for _, want := range []string{demo.ClientID, s.base + "/connect/token", "status=HighRisk", `-H "Authorization: Bearer $TOKEN"`} {
		if !strings.Contains(s.banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, s.banner)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(s.base + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}

	// The printed secret gets a token, and the token reads the demo tenant.
	token := s.token(t, demo.ClientID, s.demoSecret(t))
	status, _, body := s.users(t, token, demo.CustomerID, demo.TenantID)
	var page struct {
		Metadata struct {
			TotalCount int `json:"totalCount"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &page); err != nil || status != http.StatusOK || page.Metadata.TotalCount == 0 {
		t.Errorf("API: got %d %s, want 200 with security users", status, body)
	}

	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		if code != 0 {
			t.Errorf("serve after cancel: exit %d, stderr %s; want 0", code, s.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

func TestServeRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--issuer must be an absolute http or https URL", []string{"--issuer", "ftp://x"}},
		{"--store-timeout must be a positive duration", []string{"--store-timeout", "0s"}},
		{"--store-timeout must be a positive duration", []string{"--store-timeout", "-1s"}},
		{`invalid argument "soon" for "--store-timeout"`, []string{"--store-timeout", "soon"}},
		{"--sync-interval must be 0 (off) or at least 1s", []string{"--sync-interval", "500ms"}},
		{"--history-days must be at least 1, got 0", []string{"--history-days", "0"}},
		{"--demo-users must not be negative", []string{"--demo", "--demo-users", "-1"}},
		{"--rate-limit must be 0 (off) or a positive number", []string{"--rate-limit", "-1"}},
		{"--rate-limit must be 0 (off) or a positive number", []string{"--rate-limit", "NaN"}},
		{"the burst of --rate-limit must be at least 1", []string{"--rate-burst", "0"}},
		{"the burst of --token-rate-limit must be at least 1", []string{"--token-rate-burst", "0"}},
		{"--redis", []string{"--redis", "http://not-redis"}},
		{`--log-format must be auto, text or json, got "xml"`, []string{"--log-format", "xml"}},
		{`--log-level must be debug, info, warn or error, got "verbose"`, []string{"--log-level", "verbose"}},
		{`--trusted-proxy must be CIDRs or addresses, such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0/33"`, []string{"--trusted-proxy", "10.0.0.0/33"}},
		{`--trusted-proxy must be CIDRs or addresses, such as 10.0.0.0/8 or 2001:db8::/32, got "lb.internal"`, []string{"--trusted-proxy", "10.0.0.0/8,lb.internal"}},
		{"--ops-addr must be another address than --addr", []string{"--addr", "127.0.0.1:8080", "--ops-addr", "127.0.0.1:8080"}},
		{`got "fe80::1%eth0"`, []string{"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "fe80::1%eth0"}},
		{`--signing-alg must be ES256 or RS256, got "HS256"`, []string{"--signing-alg", "HS256"}},
		{`--signing-alg must be ES256 or RS256, got "none"`, []string{"--signing-alg", "none"}},
	} {
		fails(t, "", tc.want, append(append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), newDB(t)...)...)
	}
}

// TestServeStoreTimeout runs a second server with a store timeout nothing
// can meet beside a normal one on the same database and issuer: the token
// endpoint and the API of the second answer 503 with Retry-After, each in
// its own error format.
func TestServeStoreTimeout(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	const issuer = "http://secusers.test"
	normal := serve(t, db, "--demo", "--demo-users", "20", "--issuer", issuer)
	token := normal.token(t, demo.ClientID, normal.demoSecret(t))
	s := serve(t, db, "--store-timeout", "1ns", "--issuer", issuer)

	status, retryAfter, body := s.users(t, token, demo.CustomerID, demo.TenantID)
	if status != http.StatusServiceUnavailable || retryAfter == "" || !strings.Contains(string(body), `"ServiceUnavailable"`) {
		t.Errorf("API with --store-timeout 1ns: got %d (Retry-After %q) %s, want 503 ServiceUnavailable with Retry-After", status, retryAfter, body)
	}
	resp, err := http.PostForm(s.base+"/connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {demo.ClientID}, "client_secret": {normal.demoSecret(t)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"temporarily_unavailable"`) {
		t.Errorf("token endpoint with --store-timeout 1ns: got %d (Retry-After %q) %s, want 503 temporarily_unavailable with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestServeSigningAlg: a server with --signing-alg RS256 issues RS256
// tokens; the next one, with the default, rotates to an ES256 key at start,
// issues ES256 tokens, and still accepts the RS256 token, whose key it
// keeps publishing.
func TestServeSigningAlg(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	const issuer = "http://secusers.test"
	first := serve(t, db, "--demo", "--demo-users", "20", "--issuer", issuer, "--signing-alg", "RS256")
	secret := first.demoSecret(t)
	old := first.token(t, demo.ClientID, secret)
	if got := tokenAlg(t, old); got != "RS256" {
		t.Errorf("--signing-alg RS256: got %s tokens, want RS256", got)
	}
	first.stop(t)

	second := serve(t, db, "--issuer", issuer)
	fresh := second.token(t, demo.ClientID, secret)
	if got := tokenAlg(t, fresh); got != "ES256" {
		t.Errorf("the default --signing-alg after RS256: got %s tokens, want ES256", got)
	}
	for _, tok := range []string{old, fresh} {
		if status, _, body := second.users(t, tok, demo.CustomerID, demo.TenantID); status != http.StatusOK {
			t.Errorf("API with a %s token: got %d %s, want 200", tokenAlg(t, tok), status, body)
		}
	}
	var keys keyList
	ok(t, db, &keys, "admin", "keys", "list")
	if len(keys.Keys) != 2 || keys.Keys[0].Algorithm != "ES256" || !keys.Keys[0].Active || keys.Keys[1].Algorithm != "RS256" || keys.Keys[1].Active {
		t.Errorf("keys after the switch: got %+v, want an active ES256 key and the retired RS256 one", keys.Keys)
	}
}

// stop ends the server and waits for it to exit 0.
func (s *serving) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	code := <-s.done
	s.done <- code // for the cleanup
	if code != 0 {
		t.Fatalf("serve after cancel: exit %d, stderr %s; want 0", code, s.stderr.String())
	}
}

// tokenAlg returns the "alg" of a JWT's header.
func tokenAlg(t *testing.T, token string) string {
	t.Helper()
	header, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		t.Fatalf("token header: %v", err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("token header %s: %v", raw, err)
	}
	return h.Alg
}
