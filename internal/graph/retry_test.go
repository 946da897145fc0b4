package graph

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRetries drives one read through a sequence of answers and checks the
// waits the client asked for (through the injected Sleep, never the wall
// clock), its requests, and its outcome.
func TestRetries(t *testing.T) {
	t.Parallel()
	ok := domainsPage("contoso.com")
	for _, tc := range []struct {
		name      string
		responses func(now time.Time) []http.HandlerFunc
		maxTries  int
		waits     []time.Duration // exact waits; nil when backoff draws them
		backoffs  int             // or: how many backoff waits
		requests  int
		status    int // the *Error's status when the read fails, else 0
	}{
		{name: "429 with Retry-After seconds",
			responses: func(time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429, "Retry-After", "7"), status(429, "Retry-After", "3"), ok}
			},
			waits: []time.Duration{7 * time.Second, 3 * time.Second}, requests: 3},
		{name: "429 with Retry-After as an HTTP-date",
			responses: func(now time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429, "Retry-After", now.Add(42*time.Second).UTC().Format(http.TimeFormat)), ok}
			},
			waits: []time.Duration{42 * time.Second}, requests: 2},
		{name: "Retry-After in the past backs off rather than hammer",
			responses: func(now time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429, "Retry-After", now.Add(-time.Hour).UTC().Format(http.TimeFormat)), ok}
			},
			backoffs: 1, requests: 2},
		{name: "Retry-After 0 backs off rather than hammer",
			responses: func(time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429, "Retry-After", "0"), ok}
			},
			backoffs: 1, requests: 2},
		{name: "Retry-After capped at five minutes",
			responses: func(time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429, "Retry-After", "86400"), ok}
			},
			waits: []time.Duration{5 * time.Minute}, requests: 2},
		{name: "503 with Retry-After",
			responses: func(time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(503, "Retry-After", "2"), ok}
			},
			waits: []time.Duration{2 * time.Second}, requests: 2},
		{name: "429 without Retry-After backs off",
			responses: func(time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429), status(429), status(429), ok}
			},
			backoffs: 3, requests: 4},
		{name: "unreadable Retry-After backs off",
			responses: func(time.Time) []http.HandlerFunc {
				return []http.HandlerFunc{status(429, "Retry-After", "soon"), ok}
			},
			backoffs: 1, requests: 2},
		{name: "503 without Retry-After backs off",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(503), ok} },
			backoffs:  1, requests: 2},
		{name: "500 then success",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(500), ok} },
			backoffs:  1, requests: 2},
		{name: "502 and 504 then success",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(502), status(504), ok} },
			backoffs:  2, requests: 3},
		{name: "a body cut short then success",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{cutBody, ok} },
			backoffs:  1, requests: 2},
		{name: "gives up after MaxTries",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(429, "Retry-After", "1")} },
			maxTries:  3, waits: []time.Duration{time.Second, time.Second}, requests: 3, status: 429},
		{name: "gives up on 500s after MaxTries",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(500)} },
			backoffs:  5, requests: 6, status: 500},
		{name: "501 is not retried",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(501), ok} },
			requests:  1, status: 501},
		{name: "404 is not retried",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(404), ok} },
			requests:  1, status: 404},
		{name: "403 is not retried",
			responses: func(time.Time) []http.HandlerFunc { return []http.HandlerFunc{status(403), ok} },
			requests:  1, status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seq := &sequence{}
			env := newEnv(t, seq.ServeHTTP)
			seq.responses = tc.responses(env.clock.Now())
			obs := &recorder{}
			c := env.client(func(c *Config) { c.MaxTries = tc.maxTries; c.Observer = obs })
			domains, err := collect(c.Domains(t.Context()))

			var ge *Error
			switch {
			case tc.status == 0 && err != nil:
				t.Fatalf("Domains: %v", err)
			case tc.status == 0 && len(domains) != 1:
				t.Errorf("domains: got %d, want 1", len(domains))
			case tc.status != 0 && !errors.As(err, &ge):
				t.Fatalf("error: got %v, want a *graph.Error", err)
			case tc.status != 0 && ge.StatusCode != tc.status:
				t.Errorf("status: got %d, want %d", ge.StatusCode, tc.status)
			}
			if got := seq.count(); got != tc.requests {
				t.Errorf("requests: got %d, want %d", got, tc.requests)
			}
			waits := env.waits()
			if tc.waits != nil {
				if diff := cmp.Diff(tc.waits, waits); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			} else {
				checkBackoffs(t, waits, tc.backoffs, DefaultBaseBackoff, DefaultMaxBackoff)
			}
			if tc.status != 0 && tc.requests > 1 && !strings.Contains(err.Error(), "gave up after") {
				t.Errorf("error: got %q, want it to say it gave up", err)
			}
		})
	}
}

// checkBackoffs checks that the i-th wait (from 1) lies in its window
// [d, 2d), d = base·2^(i-1), capped at [max/2, max).
func checkBackoffs(t *testing.T, waits []time.Duration, n int, base, maxWait time.Duration) {
	t.Helper()
	if len(waits) != n {
		t.Fatalf("waits: got %v, want %d backoffs", waits, n)
	}
	for i, w := range waits {
		hi := min(base<<(i+1), maxWait)
		if lo := hi / 2; w < lo || w >= hi {
			t.Errorf("wait %d: got %v, want in [%v, %v)", i+1, w, lo, hi)
		}
	}
}

func TestBackoffJitter(t *testing.T) {
	t.Parallel()
	c := &Client{baseBackoff: time.Second, maxBackoff: 20 * time.Second}
	for try := 1; try <= 8; try++ {
		seen := map[time.Duration]bool{}
		var waits []time.Duration
		for range 200 {
			w := c.backoff(try)
			seen[w] = true
			waits = append(waits, w)
		}
		for _, w := range waits {
			checkBackoffs(t, []time.Duration{w}, 1, time.Second<<(try-1), 20*time.Second)
		}
		if len(seen) < 100 {
			t.Errorf("try %d: %d distinct waits of 200, want jitter", try, len(seen))
		}
	}
}

// TestObserverToldOfThrottling checks what metrics see of a 429.
func TestObserverToldOfThrottling(t *testing.T) {
	t.Parallel()
	seq := &sequence{responses: []http.HandlerFunc{status(429, "Retry-After", "4"), status(500), domainsPage("a")}}
	obs := &recorder{}
	c := newEnv(t, seq.ServeHTTP).client(func(c *Config) { c.Observer = obs })
	if _, err := collect(c.Domains(t.Context())); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{4 * time.Second}, obs.throttled); diff != "" {
		t.Errorf("OnThrottled waits (-want +got):\n%s", diff)
	}
	if got := obs.requests[ReadDomains]; got != 3 {
		t.Errorf("OnRequest: got %d, want 3", got)
	}
}

// TestCancelDuringWait cancels the run while the client waits out a long
// Retry-After, with the real Sleep: the read ends at once.
func TestCancelDuringWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	seq := &sequence{responses: []http.HandlerFunc{status(429, "Retry-After", "120"), domainsPage("a")}}
	obs := &cancelOnThrottle{cancel: cancel}
	c := newEnv(t, seq.ServeHTTP).client(func(c *Config) { c.Sleep = nil; c.Observer = obs })
	start := time.Now()
	_, err := collect(c.Domains(ctx))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error: got %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the read took %v after the cancellation", d)
	}
	if got := seq.count(); got != 1 {
		t.Errorf("requests: got %d, want 1", got)
	}
}

type cancelOnThrottle struct {
	recorder
	cancel context.CancelFunc
}

func (o *cancelOnThrottle) OnThrottled(string, time.Duration) { o.cancel() }

// TestCancelledBeforeStart checks that a done context sends nothing.
func TestCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	seq := &sequence{responses: []http.HandlerFunc{domainsPage("a")}}
	c := newEnv(t, seq.ServeHTTP).client()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := collect(c.Domains(ctx)); !errors.Is(err, context.Canceled) {
		t.Errorf("error: got %v, want context.Canceled", err)
	}
	if got := seq.count(); got != 0 {
		t.Errorf("requests: got %d, want 0", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{"300", 5 * time.Minute, true},
		{"301", 5 * time.Minute, true},
		{"99999999999999999999", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"Sun, 29 Nov 2026 06:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 29-Nov-26 06:01:00 GMT", time.Minute, true},
		{"Sun Nov 29 06:00:10 2026", 10 * time.Second, true},
		{"Sun, 29 Nov 2026 05:00:00 GMT", 0, true},
		{"Mon, 30 Nov 2026 06:00:00 GMT", 5 * time.Minute, true},
		{"tomorrow", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q): got %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// cutBody promises a longer body than it sends.
func cutBody(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"value\":[")
	buf.Flush()
	conn.Close()
}

// failingTransport fails the first n requests to Graph as a network would.
type failingTransport struct {
	mu   sync.Mutex
	n    int
	base http.RoundTripper
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	fail := f.n > 0 && strings.HasPrefix(r.URL.Path, "/v1.0/")
	if fail {
		f.n--
	}
	f.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return f.base.RoundTrip(r)
}

func TestNetworkErrorsRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		failures int
		ok       bool
	}{
		{"two failures then success", 2, true},
		{"failures until MaxTries", 6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, domainsPage("a"))
			c := env.client(func(c *Config) {
				c.HTTPClient = &http.Client{Transport: &failingTransport{n: tc.failures, base: env.srv.Client().Transport}}
			})
			_, err := collect(c.Domains(t.Context()))
			if tc.ok && err != nil {
				t.Fatalf("Domains: %v", err)
			}
			if !tc.ok && (!errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "gave up after 6 tries")) {
				t.Fatalf("error: got %v, want a connection reset after 6 tries", err)
			}
			checkBackoffs(t, env.waits(), min(tc.failures, 5), DefaultBaseBackoff, DefaultMaxBackoff)
		})
	}
}
