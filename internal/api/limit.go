package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"secusers/internal/secusers"
)

// limit spends one request of the app's rate limit (spec §4: 429 with
// Retry-After when it is spent). The key is the token's client id, known
// without a store read.
func (h *Handler) limit(ctx context.Context, c *call) error {
	if h.limiter == nil {
		return nil
	}
	d := h.limiter.Allow(ctx, "app:"+c.token.ClientID)
	if d.Allowed {
		return nil
	}
	return tooManyRequests(d.RetryAfter)
}

// tooManyRequests is the 429 of an app whose rate limit is spent. The
// Retry-After is whole seconds (RFC 9110 §10.2.3), rounded up so that a
// client that waits it is served.
func tooManyRequests(wait time.Duration) error {
	secs := RetryAfterSeconds(wait)
	return &httpError{
		status: http.StatusTooManyRequests,
		header: http.Header{"Retry-After": {strconv.Itoa(secs)}},
		err: secusers.Errorf(secusers.Invalid,
			"the app's rate limit is spent; retry after %d seconds", secs),
	}
}

// RetryAfterSeconds rounds a wait up to the whole seconds of a Retry-After
// header, at least 1: a client told 0 would retry at once and be refused.
func RetryAfterSeconds(wait time.Duration) int {
	secs := int(math.Ceil(wait.Seconds()))
	return max(secs, 1)
}
