package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/server"
)

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
