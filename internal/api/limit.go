package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/secusers/secusers/internal/secusers"
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
	return tooManyRequests(d.RetryAfterSeconds())
}

// tooManyRequests is the 429 of an app whose rate limit is spent, telling
// it to retry after secs seconds.
func tooManyRequests(secs int) error {
	return &httpError{
		header: http.Header{"Retry-After": {strconv.Itoa(secs)}},
		err: secusers.Errorf(secusers.RateLimited,
			"the app's rate limit is spent; retry after %d seconds", secs),
	}
}
