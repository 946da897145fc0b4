package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps the wait Graph may ask for: a longer one would stall a
// run for longer than a fresh run later would take.
const maxRetryAfter = 5 * time.Minute

// get fetches rawURL into buf, trying again after what is worth another
// try (throttling, 5xx, network failures, a refused token) until MaxTries.
// Every wait gives up when ctx is done.
func (c *Client) get(ctx context.Context, read, rawURL string, buf *bytes.Buffer) error {
	reauthenticated := false
	for try := 1; ; try++ {
		err := c.attempt(ctx, read, rawURL, buf)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("graph %s: %w", read, ctx.Err())
		}
		err = named(read, err)
		wait, retry := c.retryWait(err, try, &reauthenticated)
		if !retry {
			return err
		}
		if try >= c.maxTries {
			return &gaveUpError{tries: try, err: err}
		}
		if IsThrottled(err) {
			c.obs.OnThrottled(read, wait)
		}
		if wait > 0 {
			if err := c.sleep(ctx, wait); err != nil {
				return fmt.Errorf("graph %s: waiting to try again: %w", read, err)
			}
		}
	}
}

// named prefixes err with the read unless it says it already.
func named(read string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("graph %s: %w", read, err)
}

// retryWait says whether err is worth another try, and after how long.
// A 401 is tried again once, at once, with a new token: Graph can refuse a
// token the cache still thinks valid. 501 Not Implemented will not change.
// A Retry-After of zero (or in the past) backs off instead: taken at its
// word, it would spend every try at once.
func (c *Client) retryWait(err error, try int, reauthenticated *bool) (time.Duration, bool) {
	var ge *Error
	var te *TokenError
	var ne *netError
	switch {
	case errors.As(err, &ge):
		switch {
		case ge.StatusCode == http.StatusUnauthorized && !*reauthenticated:
			*reauthenticated = true
			return 0, true
		case throttled(ge.StatusCode) && ge.RetryAfter > 0:
			return ge.RetryAfter, true
		case throttled(ge.StatusCode) || (ge.StatusCode >= 500 && ge.StatusCode != http.StatusNotImplemented):
			return c.backoff(try), true
		}
	case errors.As(err, &te):
		switch {
		case throttled(te.StatusCode) && te.RetryAfter > 0:
			return te.RetryAfter, true
		case te.StatusCode >= 500 || te.StatusCode == http.StatusTooManyRequests || (te.StatusCode == 0 && isNetwork(te.Err)):
			return c.backoff(try), true
		}
	case errors.As(err, &ne):
		return c.backoff(try), true
	}
	return 0, false
}

// isNetwork reports whether err is a failure to talk to a server at all.
func isNetwork(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// backoff is the wait before try+1 when Graph gives no Retry-After: drawn
// from [d, 2d) with d = BaseBackoff·2^(try-1), the window capped at
// MaxBackoff (then [MaxBackoff/2, MaxBackoff)). The jitter spreads the
// requests of concurrent reads; the floor of d, rather than "full jitter"
// from zero, keeps the first retry a second away, because Identity
// Protection allows about one request a second and sends no Retry-After.
func (c *Client) backoff(try int) time.Duration {
	hi := c.baseBackoff
	for i := 0; i < try && hi < c.maxBackoff; i++ {
		hi *= 2
	}
	hi = min(hi, c.maxBackoff)
	lo := hi / 2
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo)
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3), capped at maxRetryAfter. It reports false when v is
// absent or unreadable, so the caller backs off instead.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(at.Sub(now), 0), maxRetryAfter), true
}

// gaveUpError is the last error of a request that used up its tries.
type gaveUpError struct {
	tries int
	err   error
}

func (e *gaveUpError) Error() string {
	return fmt.Sprintf("%v (gave up after %d tries)", e.err, e.tries)
}
func (e *gaveUpError) Unwrap() error { return e.err }
