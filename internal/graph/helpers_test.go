package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testTenant   = "6f1c1d2e-0b7a-4c57-9a57-2d4f3c2b1a00"
	testClientID = "3c0a1f5e-8d2b-4e6f-a1b2-c3d4e5f60718"
	testSecret   = "s3cr+t/value~with.chars"
)

// fakeClock is the injectable clock: tests move it to reach token expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
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

// testEnv is a login endpoint and a Graph on one httptest server, with a
// clock and a Sleep that records the waits instead of waiting.
type testEnv struct {
	t     *testing.T
	srv   *httptest.Server
	clock *fakeClock

	mu        sync.Mutex
	tokenReqs []tokenRequest
	valid     map[string]bool // tokens Graph accepts
	sleeps    []time.Duration
	expiresIn int
	login     http.HandlerFunc // replaces the token endpoint when set
}

// newEnv serves graph behind a check of the bearer token.
func newEnv(t *testing.T, graph http.HandlerFunc) *testEnv {
	t.Helper()
	e := &testEnv{t: t, clock: &fakeClock{now: time.Now().Truncate(time.Second)}, valid: map[string]bool{}, expiresIn: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/{tenant}/oauth2/v2.0/token", e.serveToken)
	mux.HandleFunc("/v1.0/", func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		e.mu.Lock()
		ok = ok && e.valid[tok]
		e.mu.Unlock()
		if !ok {
			graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure.")
			return
		}
		graph(w, r)
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *testEnv) serveToken(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	login := e.login
	e.mu.Unlock()
	if login != nil {
		login(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	e.tokenReqs = append(e.tokenReqs, tokenRequest{
		Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Form: r.PostForm,
	})
	tok := fmt.Sprintf("tok-%d", len(e.tokenReqs))
	e.valid[tok] = true
	expiresIn := e.expiresIn
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "access_token": tok, "expires_in": expiresIn})
}

// revoke makes Graph refuse tok.
func (e *testEnv) revoke(tok string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.valid, tok)
}

// tokenRequest is what the token endpoint received.
type tokenRequest struct {
	Path, Authorization, ContentType string
	Form                             url.Values
}

func (e *testEnv) tokenRequests() []tokenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]tokenRequest(nil), e.tokenReqs...)
}

func (e *testEnv) waits() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.sleeps...)
}

// config points a Config at the env, with a client secret.
func (e *testEnv) config() Config {
	return Config{
		GraphURL:      e.srv.URL,
		LoginURL:      e.srv.URL + "/login",
		EntraTenantID: testTenant,
		ClientID:      testClientID,
		Credentials:   Credentials{ClientSecret: testSecret},
		HTTPClient:    e.srv.Client(),
		Now:           e.clock.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.mu.Lock()
			e.sleeps = append(e.sleeps, d)
			e.mu.Unlock()
			return ctx.Err()
		},
	}
}

// client returns a Client on the env's config as changed by mods.
func (e *testEnv) client(mods ...func(*Config)) *Client {
	e.t.Helper()
	cfg := e.config()
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		e.t.Fatalf("New: %v", err)
	}
	return c
}

// collect gathers a read's items up to its first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// graphError writes Graph's error body.
func graphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{"request-id": "inner-req-id", "date": "2026-01-01T00:00:00"},
	}})
}

// sequence answers the n-th request with responses[n], then repeats the
// last one; calls counts the requests.
type sequence struct {
	mu        sync.Mutex
	responses []http.HandlerFunc
	calls     int
}

func (s *sequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := min(s.calls, len(s.responses)-1)
	s.calls++
	s.mu.Unlock()
	s.responses[i](w, r)
}

func (s *sequence) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// status answers with Graph's error for code, and the given headers.
func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		graphError(w, code, http.StatusText(code), "status "+http.StatusText(code))
	}
}

// domainsPage answers with one page of domains named after ids.
func domainsPage(ids ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		value := []map[string]any{}
		for _, id := range ids {
			value = append(value, map[string]any{"id": id, "passwordValidityPeriodInDays": 90})
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains", "value": value})
	}
}

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu        sync.Mutex
	requests  map[string]int
	throttled []time.Duration
	pages     []int
}

func (o *recorder) OnRequest(read string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.requests == nil {
		o.requests = map[string]int{}
	}
	o.requests[read]++
}

func (o *recorder) OnThrottled(read string, wait time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.throttled = append(o.throttled, wait)
}

func (o *recorder) OnPage(read string, items int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pages = append(o.pages, items)
}
