package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry policy's defaults.
const (
	// DefaultMaxRetries is how many times a request is retried after its
	// first attempt: enough to ride out a rolling restart or a burst over
	// the rate limit, few enough that a real outage surfaces in seconds.
	DefaultMaxRetries = 4
	// DefaultMaxRetryWait is the longest Retry-After the client waits
	// for; a server asking for longer gets its error returned instead,
	// since waiting less than it asked would only be refused again.
	DefaultMaxRetryWait = time.Minute
	// backoffBase and backoffCap shape the exponential backoff of network
	// errors, 502 and 504: 250 ms, 500 ms, 1 s, … up to 8 s.
	backoffBase = 250 * time.Millisecond
	backoffCap  = 8 * time.Second
)

// parseRetryAfter reads Retry-After as seconds or as an HTTP date (RFC
// 9110 §10.2.3); 0 when absent, unreadable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) { // no one means a day; keep the arithmetic safe
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff returns the wait before retry number n (0 for the first retry):
// exponential, capped, with "equal jitter" (half fixed, half random) so
// that many clients failing together do not come back together.
func backoff(n int) time.Duration {
	d := backoffCap
	if n < 16 {
		d = min(backoffBase<<n, backoffCap)
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// fitsDeadline reports whether waiting d still leaves ctx time to make the
// request: waiting only to fail on the deadline would hide the server's
// answer behind context.DeadlineExceeded.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}
