package client_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"secusers/client"
	"secusers/internal/ratelimit"
	"secusers/internal/secusers"
	"secusers/internal/server"
)

// fault is a reverse proxy in front of the test server that answers the
// next API requests itself, as a failing server or load balancer would.
type fault struct {
	srv  *httptest.Server
	mu   sync.Mutex
	next []func(w http.ResponseWriter) // one answer for each of the next API requests
	seen atomic.Int64                  // API requests that reached the proxy
}

func newFault(t *testing.T, target string) *fault {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &fault{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != client.TokenPath {
			f.seen.Add(1)
			if answer := f.pop(); answer != nil {
				answer(w)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// then queues answers for the next API requests.
func (f *fault) then(answers ...func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, answers...)
}

func (f *fault) pop() func(w http.ResponseWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.next) == 0 {
		return nil
	}
	a := f.next[0]
	f.next = f.next[1:]
	return a
}

// status returns an answer with the spec's error body and extra headers
// as name, value pairs.
func status(code int, headers ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("request-id", "fault-1")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"injected","innerError":{"request-id":"fault-1","date":"2026-11-29T06:00:00Z"}}}`,
			strings.ReplaceAll(http.StatusText(code), " ", ""))
	}
}

// hangUp closes the connection without answering: a network error.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func firstPage(t *testing.T, c *client.Client) *client.Page {
	t.Helper()
	p, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 5})
	if err != nil {
		t.Fatalf("SecurityUsers: %v", err)
	}
	if len(p.Data) != 5 {
		t.Fatalf("got %d users, want 5", len(p.Data))
	}
	return p
}

func TestTokenIsCached(t *testing.T) {
	t.Parallel()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{HTTPClient: hc})
	for range 5 {
		firstPage(t, c)
	}
	if _, err := c.Summary(context.Background(), customerID, tenantID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { firstPage(t, c) })
	}
	wg.Wait()
	if got := cnt.tokens.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1", got)
	}
	if got, want := cnt.api.Load(), int64(5+client.NumStatuses+1+20); got != want {
		t.Errorf("API requests: got %d, want %d", got, want)
	}
}

func TestConcurrentFirstCallsShareOneToken(t *testing.T) {
	t.Parallel()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{HTTPClient: hc})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { firstPage(t, c) })
	}
	wg.Wait()
	if got := cnt.tokens.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1", got)
	}
}

// A token that expires during a long iteration is renewed before it
// expires: the API never refuses it.
func TestTokenRenewedDuringIteration(t *testing.T) {
	t.Parallel()
	url, stop, err := startServer(fixture.store, func(c *server.Config) { c.TokenTTL = 2 * time.Second })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{BaseURL: url, HTTPClient: hc})
	n := 0
	for page, err := range c.Pages(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 250}) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Data)
		time.Sleep(300 * time.Millisecond)
	}
	if want := securityUserCount(t, 0); int64(n) != want {
		t.Errorf("got %d users, want %d", n, want)
	}
	if got := cnt.tokens.Load(); got < 2 {
		t.Errorf("token requests: got %d over %d pages with 2-second tokens, want at least 2", got, cnt.api.Load())
	}
	if got := cnt.statuses[http.StatusUnauthorized].Load(); got != 0 {
		t.Errorf("got %d answers 401, want none: the token must be renewed before it expires", got)
	}
}

// A 401 for a cached token (a server restart with new keys) costs one new
// token and one retry; a second 401 is the caller's.
func TestUnauthorizedRenewsTokenOnce(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	cnt, hc := newCounter()
	c := newClient(t, client.Config{BaseURL: f.srv.URL, HTTPClient: hc})
	firstPage(t, c)
	f.then(status(http.StatusUnauthorized, "WWW-Authenticate", `Bearer error="invalid_token"`))
	firstPage(t, c)
	if got := cnt.tokens.Load(); got != 2 {
		t.Errorf("token requests: got %d, want 2", got)
	}
	f.then(status(http.StatusUnauthorized), status(http.StatusUnauthorized), status(http.StatusUnauthorized))
	_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	if got := cnt.tokens.Load(); got != 3 {
		t.Errorf("token requests: got %d, want 3 (one renewal for the second 401 series)", got)
	}
	if got := f.seen.Load(); got != 5 {
		t.Errorf("API requests: got %d, want 5", got)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		min    time.Duration
	}{
		{"429 seconds", status(http.StatusTooManyRequests, "Retry-After", "1"), time.Second},
		// An HTTP date has whole seconds: two seconds ahead is at least one.
		{"503 date", func(w http.ResponseWriter) {
			status(http.StatusServiceUnavailable, "Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))(w)
		}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFault(t, baseURL)
			c := newClient(t, client.Config{BaseURL: f.srv.URL})
			f.then(tc.answer)
			start := time.Now()
			firstPage(t, c)
			if d := time.Since(start); d < tc.min {
				t.Errorf("got the page after %v, want at least %v", d, tc.min)
			}
			if got := f.seen.Load(); got != 2 {
				t.Errorf("API requests: got %d, want 2", got)
			}
		})
	}
}

// Against the server's own rate limit, a burst of calls succeeds: each
// 429 is waited out for its Retry-After.
func TestRateLimitedServer(t *testing.T) {
	t.Parallel()
	url, stop, err := startServer(fixture.store, func(c *server.Config) {
		c.Limits.API = ratelimit.NewLocal(ratelimit.Limit{Rate: 2, Burst: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{BaseURL: url, HTTPClient: hc})
	start := time.Now()
	for range 5 {
		firstPage(t, c)
	}
	if got := cnt.statuses[http.StatusTooManyRequests].Load(); got == 0 {
		t.Fatal("got no 429 from a server allowing 2 requests a second")
	}
	// Two requests a second with a burst of two: the last of five is
	// allowed no sooner than 1.5 s after the first.
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("five requests took %v, want at least 1.5s", d)
	}
}

// A Retry-After past MaxRetryWait, or past the caller's deadline, is
// returned at once rather than waited for in vain.
func TestRetryAfterTooLongIsReturned(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	c := newClient(t, client.Config{BaseURL: f.srv.URL, MaxRetryWait: 10 * time.Second})
	f.then(status(http.StatusTooManyRequests, "Retry-After", "30"))
	start := time.Now()
	_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, client.ErrTooManyRequests) || apiErr.RetryAfter != 30*time.Second {
		t.Fatalf("got %v, want a 429 APIError with RetryAfter 30s", err)
	}
	f.then(status(http.StatusServiceUnavailable, "Retry-After", "5"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
	if !errors.Is(err, client.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v, want the errors at once", d)
	}
}

func TestRetriesGatewayAndNetworkErrors(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	c := newClient(t, client.Config{BaseURL: f.srv.URL})
	firstPage(t, c)
	f.then(status(http.StatusBadGateway), hangUp, status(http.StatusGatewayTimeout), status(http.StatusServiceUnavailable))
	firstPage(t, c)
	if got := f.seen.Load(); got != 6 {
		t.Errorf("API requests: got %d, want 6", got)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	c := newClient(t, client.Config{BaseURL: f.srv.URL, MaxRetries: 2})
	f.then(status(http.StatusBadGateway), status(http.StatusBadGateway), status(http.StatusBadGateway), status(http.StatusBadGateway))
	_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
		t.Fatalf("got %v, want a 502 APIError", err)
	}
	if got := f.seen.Load(); got != 3 {
		t.Errorf("API requests: got %d, want 3 (MaxRetries 2)", got)
	}
}

// A wait for Retry-After ends with the caller's context. One that would
// outlast the deadline is not begun, and the server's answer is returned
// rather than context.DeadlineExceeded; a cancellation during the wait
// ends it with an error that wraps both context.Canceled and the answer.
func TestWaitsEndWithContext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		ctx      func() (context.Context, context.CancelFunc)
		canceled bool // the error wraps context.Canceled as well as the 429
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, false},
		{"cancelled while waiting", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFault(t, baseURL)
			c := newClient(t, client.Config{BaseURL: f.srv.URL})
			firstPage(t, c) // the token, so that only the 429 is waited for
			f.then(status(http.StatusTooManyRequests, "Retry-After", "30"))
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
			if d := time.Since(start); d > time.Second {
				t.Errorf("returned after %v, want within a second", d)
			}
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
				t.Errorf("got %v, want it to wrap the 429 APIError", err)
			}
			if got := errors.Is(err, context.Canceled); got != tc.canceled {
				t.Errorf("errors.Is(%v, context.Canceled): got %v, want %v", err, got, tc.canceled)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want the 429 rather than the deadline", err)
			}
			if got := f.seen.Load(); got != 2 {
				t.Errorf("API requests: got %d, want 2 (the first page and the 429)", got)
			}
		})
	}
}

// The client follows no redirect: a 307 of the token endpoint would make
// net/http send the client secret again to wherever it points, and one of
// the API would keep the bearer token for another port of the same host.
func TestRedirectsAreRefused(t *testing.T) {
	t.Parallel()
	// elsewhere is where the redirects point; it must hear nothing.
	var reached atomic.Int64
	var auth atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		io.Copy(io.Discard, r.Body)
	}))
	defer elsewhere.Close()
	redirect := func(w http.ResponseWriter) {
		w.Header().Set("Location", elsewhere.URL+"/stolen?x=1")
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	t.Run("token endpoint", func(t *testing.T) {
		tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			redirect(w)
		}))
		defer tokenSrv.Close()
		c := newClient(t, client.Config{TokenURL: tokenSrv.URL + "/token"})
		_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
		var tokErr *client.TokenError
		if !errors.As(err, &tokErr) || tokErr.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("got %v, want a TokenError 307 about the redirect", err)
		}
		if strings.Contains(err.Error(), "x=1") {
			t.Errorf("got %q, want the Location without its query", err)
		}
		if got := reached.Load(); got != 0 {
			t.Errorf("the redirect's target got %d requests, want none", got)
		}
	})
	t.Run("API", func(t *testing.T) {
		f := newFault(t, baseURL)
		// A client of the caller's with its own redirect policy, which
		// the SDK overrides but leaves alone.
		own := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		c := newClient(t, client.Config{BaseURL: f.srv.URL, HTTPClient: own})
		f.then(redirect)
		_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(apiErr.Message, "redirect") {
			t.Errorf("got %v, want an APIError 307 about the redirect", err)
		}
		if got := reached.Load(); got != 0 {
			// Whether, not what: a failing test should not log a token.
			t.Errorf("the redirect's target got %d requests (with a bearer token: %v), want none", got, auth.Load() != "")
		}
		if own.CheckRedirect(nil, nil) != nil {
			t.Error("the caller's http.Client was changed")
		}
	})
}

// Callers queued behind a failing token request get its error rather
// than each asking the token endpoint again.
func TestFailedTokenFetchIsShared(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	arrived, release := make(chan struct{}), make(chan struct{})
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(arrived)
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":"slow_down"}`)
	}))
	defer tokenSrv.Close()
	c := newClient(t, client.Config{TokenURL: tokenSrv.URL + "/token", MaxRetries: -1})
	const callers = 8
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
			errs <- err
		}()
	}
	<-arrived
	time.Sleep(200 * time.Millisecond) // for the other callers to queue
	close(release)
	for range callers {
		if err := <-errs; !errors.Is(err, client.ErrTooManyRequests) {
			t.Errorf("got %v, want ErrTooManyRequests", err)
		}
	}
	if got := requests.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1", got)
	}
}

// Error messages carry no control or format characters from the server,
// which could drive the terminal or reorder what the reader sees.
func TestErrorTextIsPrintable(t *testing.T) {
	t.Parallel()
	// JSON escapes of an OSC 8 link, a screen clear, bidi overrides, a
	// zero-width space, a line separator and a line break.
	const hostile = `\u001b]8;;http://evil\u0007click\u001b[2J \u202eevil\u2066 \u200bx\u2028y\r\nz`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_client\u001b[2J","error_description":"`+hostile+`"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"code":"Forbidden\u202e","message":"`+hostile+`","innerError":{"request-id":"r\u0007"}}}`)
	}))
	defer srv.Close()
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
	}))
	defer tokenSrv.Close()
	for _, tc := range []struct {
		name     string
		tokenURL string
	}{
		{"token error", srv.URL + "/token"},
		{"API error", tokenSrv.URL + "/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, client.Config{BaseURL: srv.URL, TokenURL: tc.tokenURL})
			_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
			if err == nil {
				t.Fatal("got no error")
			}
			msg := err.Error()
			if i := strings.IndexFunc(msg, func(r rune) bool {
				return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
			}); i >= 0 {
				t.Errorf("got %q, want no control or format characters", msg)
			}
			if !strings.Contains(msg, "evil") {
				t.Errorf("got %q, want the server's text, made printable", msg)
			}
		})
	}
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cnt, hc := newCounter()
	demoApp := newClient(t, client.Config{HTTPClient: hc})
	for _, tc := range []struct {
		name       string
		customer   string
		tenant     string
		opts       client.PageOptions
		kind       error
		status     int
		code, text string
	}{
		{"page size", customerID, tenantID, client.PageOptions{PageSize: 5000}, client.ErrBadRequest, 400, "BadRequest", "pageSize"},
		{"page index", customerID, tenantID, client.PageOptions{PageIndex: -1}, client.ErrBadRequest, 400, "BadRequest", "pageIndex"},
		{"customer id", "not-a-guid", tenantID, client.PageOptions{}, client.ErrBadRequest, 400, "BadRequest", "customerId"},
		{"unknown customer", "00000000-0000-4000-8000-000000000000", tenantID, client.PageOptions{}, client.ErrNotFound, 404, "NotFound", ""},
		{"another customer's tenant", customerID, fixture.otherTenantID, client.PageOptions{}, client.ErrNotFound, 404, "NotFound", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := cnt.api.Load()
			_, err := demoApp.SecurityUsers(ctx, tc.customer, tc.tenant, tc.opts)
			checkAPIError(t, err, tc.kind, tc.status, tc.code, tc.text)
			if got := cnt.api.Load() - before; got != 1 {
				t.Errorf("API requests: got %d, want 1 (a 4xx is not retried)", got)
			}
		})
	}
	t.Run("app scoped to another customer", func(t *testing.T) {
		other := newClient(t, client.Config{ClientID: fixture.otherClientID, ClientSecret: fixture.otherSecret})
		_, err := other.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		checkAPIError(t, err, client.ErrForbidden, 403, "Forbidden", "")
		if _, err := other.SecurityUsers(ctx, fixture.otherCustomerID, fixture.otherTenantID, client.PageOptions{}); err != nil {
			t.Errorf("the app's own customer: %v", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		cnt, hc := newCounter()
		c := newClient(t, client.Config{ClientID: clientID, ClientSecret: "wrong", HTTPClient: hc})
		_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		var tokErr *client.TokenError
		if !errors.As(err, &tokErr) || tokErr.Code != "invalid_client" || !errors.Is(err, client.ErrInvalidClient) {
			t.Fatalf("got %v, want a TokenError invalid_client", err)
		}
		if tokErr.StatusCode != http.StatusBadRequest && tokErr.StatusCode != http.StatusUnauthorized {
			t.Errorf("got status %d, want 400 or 401", tokErr.StatusCode)
		}
		if cnt.tokens.Load() != 1 || cnt.api.Load() != 0 {
			t.Errorf("got %d token and %d API requests, want 1 and 0", cnt.tokens.Load(), cnt.api.Load())
		}
	})
	t.Run("scope not granted", func(t *testing.T) {
		c := newClient(t, client.Config{ClientID: clientID, ClientSecret: secret, Scopes: []string{"partner.customer.read.all"}})
		_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		if !errors.Is(err, client.ErrInvalidScope) {
			t.Fatalf("got %v, want ErrInvalidScope", err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		// A token endpoint that hands out tokens the API cannot verify.
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"not.a.jwt","token_type":"Bearer","expires_in":3600}`)
		}))
		defer fake.Close()
		c := newClient(t, client.Config{ClientID: clientID, ClientSecret: secret, TokenURL: fake.URL + "/token"})
		_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		checkAPIError(t, err, client.ErrUnauthorized, 401, "Unauthorized", "")
	})
}

// checkAPIError checks err is an *APIError of the kind, status and code,
// with a request id and a date, whose message mentions text.
func checkAPIError(t *testing.T, err error, kind error, status int, code, text string) {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v (%T), want an *APIError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("errors.Is(%v, %v) is false", err, kind)
	}
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Errorf("got %d %s, want %d %s", apiErr.StatusCode, apiErr.Code, status, code)
	}
	if apiErr.RequestID == "" || apiErr.Date.IsZero() {
		t.Errorf("got request id %q and date %v, want both", apiErr.RequestID, apiErr.Date)
	}
	if !strings.Contains(apiErr.Message, text) || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Errorf("got %q, want the message to mention %q and the error the request id", err, text)
	}
}

// storeSecurityUsers returns the tenant's users that match statuses (any
// status when 0), in the API's order, as the store has them.
func storeSecurityUsers(t *testing.T, statuses secusers.StatusSet) []secusers.User {
	t.Helper()
	var out []secusers.User
	for u, err := range fixture.store.Users(context.Background(), tenantID) {
		if err != nil {
			t.Fatal(err)
		}
		if (statuses == 0 && u.Status != 0) || u.Status.Intersects(statuses) {
			out = append(out, u)
		}
	}
	return out
}

func securityUserCount(t *testing.T, statuses secusers.StatusSet) int64 {
	return int64(len(storeSecurityUsers(t, statuses)))
}

// Following nextLink yields every user exactly once, in the API's order,
// whatever the page size, with every field as stored.
func TestAllSecurityUsersYieldsEachUserOnce(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	for _, tc := range []struct {
		pageSize int
		statuses client.StatusSet
	}{
		{0, 0}, {1000, 0}, {250, 0}, {97, 0}, {7, 0},
		{50, client.StatusSetOf(client.HighRisk, client.MediumRisk)},
		{13, client.StatusSetOf(client.TestUser)},
	} {
		t.Run(fmt.Sprintf("size %d status %s", tc.pageSize, tc.statuses), func(t *testing.T) {
			t.Parallel()
			now := time.Now()
			want := storeSecurityUsers(t, secusers.StatusSet(tc.statuses))
			var got []client.User
			seen := map[string]bool{}
			for u, err := range c.AllSecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: tc.pageSize, Statuses: tc.statuses}) {
				if err != nil {
					t.Fatal(err)
				}
				if seen[u.ID] {
					t.Fatalf("user %s came twice", u.ID)
				}
				seen[u.ID] = true
				got = append(got, u)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d users, want %d", len(got), len(want))
			}
			for i := range want {
				if diff := cmp.Diff(fromStore(want[i], now), withoutAge(got[i])); diff != "" {
					t.Fatalf("user %d (-store +API):\n%s", i, diff)
				}
				if a := want[i].PasswordAgeDays(now); got[i].Age < a-1 || got[i].Age > a+1 {
					t.Errorf("user %s: got age %d, want %d", got[i].ID, got[i].Age, a)
				}
			}
		})
	}
}

// fromStore returns what the API must say of a stored user, age aside.
func fromStore(u secusers.User, now time.Time) client.User {
	ms := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMilli(v).UTC()
	}
	return client.User{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, DisplayName: u.DisplayName,
		FirstName: u.FirstName, LastName: u.LastName, EmployeeID: u.EmployeeID, Location: u.Location,
		Department: u.Department, Mobile: u.Mobile, JobTitle: u.JobTitle, Status: client.StatusSet(u.Status),
		IsTestUser: u.IsTestUser, StartDate: ms(u.StartDate), EndDate: ms(u.EndDate),
		OfficePhone: u.OfficePhone, Company: u.Company, CountryRegion: u.CountryRegion,
	}
}

func withoutAge(u client.User) client.User {
	u.Age = 0
	return u
}

func TestBreakStopsRequests(t *testing.T) {
	t.Parallel()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{HTTPClient: hc})
	n := 0
	for _, err := range c.AllSecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	if got := cnt.api.Load(); got != 2 {
		t.Errorf("API requests: got %d, want 2 (15 users of pages of 10)", got)
	}
}

// The bearer token goes nowhere but the API's host: behind this proxy the
// server's nextLink names the server itself, another host.
func TestForeignNextLinkRefused(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	c := newClient(t, client.Config{BaseURL: f.srv.URL})
	var err error
	n := 0
	for _, e := range c.AllSecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 10}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if !errors.Is(err, client.ErrForeignNextLink) || n != 10 {
		t.Fatalf("got %d users and %v, want 10 and ErrForeignNextLink", n, err)
	}
	if got := f.seen.Load(); got != 1 {
		t.Errorf("API requests: got %d, want 1", got)
	}
	for _, link := range []string{"https://evil.example/partner/x", strings.Replace(f.srv.URL, "http:", "https:", 1) + "/x", "/relative"} {
		if _, err := c.NextPage(context.Background(), link); err == nil {
			t.Errorf("NextPage(%q): got no error", link)
		}
	}
}

func TestSummaryMatchesStore(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	s, err := c.Summary(context.Background(), customerID, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	want := &client.Summary{Counts: map[client.Status]int64{}}
	for _, st := range client.AllStatuses() {
		want.Counts[st] = 0
	}
	for _, u := range storeSecurityUsers(t, 0) {
		want.Total++
		for _, st := range client.StatusSet(u.Status).Statuses() {
			want.Counts[st]++
		}
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("summary (-store +API):\n%s", diff)
	}
}

// recorder keeps the client assertions a client sends.
type recorder struct {
	mu         sync.Mutex
	assertions []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == client.TokenPath && req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		r.assertions = append(r.assertions, form.Get("client_assertion"))
		r.mu.Unlock()
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	// Tokens of a second make the client fetch a second one, with a new
	// assertion, which the server accepts only with a new jti.
	url, stop, err := startServer(fixture.store, func(c *server.Config) { c.TokenTTL = time.Second })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			cfg := client.Config{BaseURL: url, ClientID: fixture.certClientID, Certificate: fixture.rsaCert, PrivateKey: fixture.rsaKey}
			if alg == "ES256" {
				cfg.Certificate, cfg.PrivateKey = fixture.ecdsaCert, fixture.ecdsaKey
			}
			rec := &recorder{}
			cfg.HTTPClient = &http.Client{Transport: rec}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			firstPage(t, c)
			time.Sleep(time.Second)
			firstPage(t, c)
			if len(rec.assertions) != 2 {
				t.Fatalf("got %d token requests, want 2", len(rec.assertions))
			}
			var jtis []string
			for _, a := range rec.assertions {
				header, claims := decodeJWT(t, a)
				if header["alg"] != alg || header["x5t#S256"] == "" || header["x5t"] == "" {
					t.Errorf("header %v: want alg %s, x5t and x5t#S256", header, alg)
				}
				if claims["aud"] != url+client.TokenPath || claims["iss"] != fixture.certClientID || claims["sub"] != fixture.certClientID {
					t.Errorf("claims %v: want aud the token URL, iss and sub the client id", claims)
				}
				if life := claims["exp"].(float64) - claims["iat"].(float64); life != 300 {
					t.Errorf("assertion lifetime %v s, want 300", life)
				}
				jtis = append(jtis, claims["jti"].(string))
			}
			if jtis[0] == jtis[1] || jtis[0] == "" {
				t.Errorf("jti %q then %q, want fresh ones", jtis[0], jtis[1])
			}
		})
	}
	t.Run("key of another certificate", func(t *testing.T) {
		_, err := client.New(client.Config{BaseURL: url, ClientID: fixture.certClientID, Certificate: fixture.rsaCert, PrivateKey: fixture.ecdsaKey})
		if err == nil {
			t.Error("New with a key that is not the certificate's: got no error")
		}
	})
}

func decodeJWT(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("assertion %q is not a JWS", raw)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []client.Config{
		{ClientID: "x", ClientSecret: "s"},
		{BaseURL: "ftp://host", ClientID: "x", ClientSecret: "s"},
		{BaseURL: "https://host?x=1", ClientID: "x", ClientSecret: "s"},
		{BaseURL: "https://host", ClientSecret: "s"},
		{BaseURL: "https://host", ClientID: "x"},
		{BaseURL: "https://host", ClientID: "x", ClientSecret: "s", PrivateKey: fixture.rsaKey, Certificate: fixture.rsaCert},
		{BaseURL: "https://host", ClientID: "x", ClientSecret: "s", TokenURL: "/connect/token"},
	} {
		if _, err := client.New(cfg); err == nil {
			t.Errorf("New(%+v): got no error", cfg)
		}
	}
}

func TestStatusSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want client.StatusSet
		str  string
	}{
		{"", 0, ""},
		{"HighRisk", 8, "HighRisk"},
		{"mfadisabled|2,highRISK", 13, "MFADisabled|PasswordExpired|HighRisk"},
		{"0;8", 257, "MFADisabled|TestUser"},
		{"12", 1 << 12, "12"},
	} {
		got, err := client.ParseStatusSet(tc.text)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseStatusSet(%q): got %d (%q), %v, want %d (%q)", tc.text, got, got, err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"Risky", "16", "-1", "0,,x"} {
		if _, err := client.ParseStatusSet(bad); err == nil {
			t.Errorf("ParseStatusSet(%q): got no error", bad)
		}
	}
	if got := slices.Collect(slices.Values(client.StatusSet(13).Statuses())); !slices.Equal(got, []client.Status{0, 2, 3}) {
		t.Errorf("Statuses: got %v", got)
	}
}

func TestUserJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"id":"f04d7aee-341e-4ab9-9e1a-65215f92e596","userPrincipalName":"mark@contoso.onmicrosoft.com","mail":"mark@contoso.com","displayName":"Bob Mark","firstName":"Bob","lastName":"Mark","employeeId":"s12123","location":"0711","department":"09","mobile":"55444","jobTitle":"Software developer","status":13,"isTestUser":true,"age":7,"startDate":1767225600123,"endDate":0,"officePhone":"43344","company":"BK Company","countryRegion":"Slovenia"}`
	var u client.User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if u.Status != 13 || !u.StartDate.Equal(time.UnixMilli(1767225600123)) || !u.EndDate.IsZero() || u.Age != 7 {
		t.Errorf("decoded %+v", u)
	}
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
}
