package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/secusers"
)

// fakeLimiter refuses the keys in refuse, with their wait, and records
// every key it was asked about.
type fakeLimiter struct {
	mu     sync.Mutex
	refuse map[string]time.Duration
	asked  []string
}

func (l *fakeLimiter) Allow(_ context.Context, key string) ratelimit.Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, key)
	if wait, ok := l.refuse[key]; ok {
		return ratelimit.Decision{RetryAfter: wait}
	}
	return ratelimit.Decision{Allowed: true}
}

func (l *fakeLimiter) keys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.asked...)
}

// limitedEnv is a testEnv whose handler has the two limiters.
func limitedEnv(t *testing.T, addr, client *fakeLimiter) (*testEnv, http.Handler) {
	t.Helper()
	e := newTestEnv(t)
	svc := e.newServiceWith(t, func(c *Config) {
		if addr != nil {
			c.AddressLimiter = addr
		}
		if client != nil {
			c.ClientLimiter = client
		}
	})
	return e, e.handlerFor(svc)
}

// check429 checks the rate limit's refusal: RFC 6749's error shape, the
// Retry-After, and no caching.
func check429(t *testing.T, resp *http.Response, wantRetry string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("status: got %d, want 429", resp.StatusCode)
	}
	got := map[string]string{"Retry-After": resp.Header.Get("Retry-After"), "Cache-Control": resp.Header.Get("Cache-Control"),
		"Content-Type": resp.Header.Get("Content-Type"), "WWW-Authenticate": resp.Header.Get("WWW-Authenticate")}
	want := map[string]string{"Retry-After": wantRetry, "Cache-Control": "no-store",
		"Content-Type": "application/json; charset=utf-8", "WWW-Authenticate": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	wantBody := map[string]any{"error": "temporarily_unavailable",
		"error_description": "too many token requests; retry after " + wantRetry + " seconds"}
	if diff := cmp.Diff(wantBody, decodeJSON(t, resp)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestAddressLimit(t *testing.T) {
	t.Parallel()
	addr := &fakeLimiter{refuse: map[string]time.Duration{"token-addr:192.0.2.1": 1200 * time.Millisecond}}
	client := &fakeLimiter{}
	e, h := limitedEnv(t, addr, client)
	// A store fault would make any store work a 503: the 429 shows the
	// limit comes first. So does a body that is not even a form.
	e.store.setFault(secusers.Errorf(secusers.Unavailable, "down"))
	for _, body := range []string{form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret), "%%%"} {
		req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "198.51.100.7") // not trusted: the connection's address counts
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		check429(t, rec.Result(), "2")
	}
	if got := client.keys(); len(got) != 0 {
		t.Errorf("client limiter asked %v after the address was refused, want nothing", got)
	}
	if got := addr.keys(); len(got) != 2 || got[0] != "token-addr:192.0.2.1" {
		t.Errorf("address limiter keys: got %v, want the connection's host twice", got)
	}
	if !strings.Contains(e.logs.String(), "rate limit of address 192.0.2.1 spent") {
		t.Errorf("the refusal was not logged:\n%s", e.logs)
	}
}

func TestAddressLimitOtherAddress(t *testing.T) {
	t.Parallel()
	addr := &fakeLimiter{refuse: map[string]time.Duration{"token-addr:192.0.2.1": time.Second}}
	e, h := limitedEnv(t, addr, nil)
	req := httptest.NewRequest(http.MethodPost, tokenPath,
		strings.NewReader(form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "[2001:db8::1]:4711"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("another address: got %d %s, want 200", rec.Code, rec.Body)
	}
	if got := addr.keys(); !cmp.Equal(got, []string{"token-addr:2001:db8::/64"}) {
		t.Errorf("keys: got %v, want the IPv6 host's /64", got)
	}
}

func TestClientLimit(t *testing.T) {
	t.Parallel()
	const grant = "client_credentials"
	tests := []struct {
		name string
		// spec returns the request and the limiter key it must spend, ""
		// for none; the env's app is refused.
		spec    func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string)
		want429 bool
	}{
		{
			name: "right secret, limit spent",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret)}, e.app.ClientID
			},
			want429: true,
		},
		{
			name: "right secret in upper-case id, limit spent",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", strings.ToUpper(e.app.ClientID), "client_secret", e.secret)}, e.app.ClientID
			},
			want429: true,
		},
		{
			// Client ids are not secret: if failed attempts spent the
			// client's limit, anyone could lock the app out.
			name: "a wrong secret spends nothing of the client's limit",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", "guess")}, ""
			},
		},
		{
			name: "basic",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, e.secret)}, e.app.ClientID
			},
			want429: true,
		},
		{
			name: "basic, wrong secret",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, "guess")}, ""
			},
		},
		{
			name: "private_key_jwt, by the assertion's subject",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: assertionForm(signAssertion(t, jose.RS256, e.rsa, e.claims()))}, e.app.ClientID
			},
			want429: true,
		},
		{
			name: "another client",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				other, secret := e.newApp(t, secusers.PermissionReadUsers)
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", other.ClientID, "client_secret", secret)}, other.ClientID
			},
		},
		{
			name: "a client id that is not a GUID spends nothing",
			spec: func(t *testing.T, e *assertionEnv) (tokenRequestSpec, string) {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", "x", "client_secret", "guess")}, ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newAssertionEnv(t)
			client := &fakeLimiter{refuse: map[string]time.Duration{"token-client:" + e.app.ClientID: 59500 * time.Millisecond}}
			h := e.handlerFor(e.newServiceWith(t, func(c *Config) { c.ClientLimiter = client }))
			spec, key := tt.spec(t, e)
			resp := postTo(t, h, spec)
			if tt.want429 {
				check429(t, resp, "60")
			} else if resp.StatusCode == http.StatusTooManyRequests {
				t.Errorf("status: got 429, want the request served or refused on its credentials")
			}
			var want []string
			if key != "" {
				want = []string{"token-client:" + key}
			}
			if got := client.keys(); !cmp.Equal(got, want) {
				t.Errorf("keys: got %v, want %v", got, want)
			}
		})
	}
}

// TestTokenBodyBound: a body over the bound is refused with a clear error
// and not read further.
func TestTokenBodyBound(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	good := form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)
	padded := good + "&pad=" + strings.Repeat("x", maxBodyBytes-len(good)-len("&pad="))
	if len(padded) != maxBodyBytes {
		t.Fatalf("padded body is %d bytes", len(padded))
	}
	if resp := e.postToken(t, tokenRequestSpec{body: padded}); resp.StatusCode != http.StatusOK {
		t.Errorf("a body of exactly %d bytes: got %d, want 200", maxBodyBytes, resp.StatusCode)
	}
	resp := e.postToken(t, tokenRequestSpec{body: padded + "x"})
	checkErrorResponse(t, resp, http.StatusBadRequest, codeInvalidRequest, "the request body is larger than 64 KiB")
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.7:51234", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:51234", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"[::1]:8080", "::/64"},
		{"pipe", "pipe"},
	} {
		if got := addressKey(tt.remote); got != tt.want {
			t.Errorf("addressKey(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// TestClientLimitCannotBeSpentByOthers: someone who knows an app's client id
// (it is in tokens and logs) sends wrong secrets past the client's burst;
// the app itself still gets its token.
func TestClientLimitCannotBeSpentByOthers(t *testing.T) {
	t.Parallel()
	e := newAssertionEnv(t)
	limiter := ratelimit.NewLocal(ratelimit.Limit{Rate: 0.001, Burst: 3})
	h := e.handlerFor(e.newServiceWith(t, func(c *Config) { c.ClientLimiter = limiter }))
	for range 10 {
		if resp := postTo(t, h, tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", "guess")}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong secret: got %d, want 400", resp.StatusCode)
		}
	}
	if resp := postTo(t, h, tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("the app's own request after 10 wrong guesses by someone else: got %d, want 200", resp.StatusCode)
	}
}
