// Package ratelimit limits how often a key (an app, a client id, a remote
// address) may be served: a token bucket of Rate tokens a second holding at
// most Burst. A Limiter backed by Redis shares the buckets between every
// server that uses the same Redis; the in-process Limiter keeps them per
// process, and stands in for Redis when Redis cannot be reached.
package ratelimit

import (
	"context"
	"math"
	"time"
)

// Limit is a token bucket: Rate requests a second on average, and bursts of
// at most Burst.
type Limit struct {
	Rate  float64
	Burst int
}

// Decision is the answer for one request.
type Decision struct {
	// Allowed reports whether the request may be served.
	Allowed bool
	// RetryAfter is, when the request is refused, how long until one
	// request of this key will be allowed again.
	RetryAfter time.Duration
}

// Limiter decides whether a request of a key may be served now, taking one
// token of the key's bucket when it may. It is safe for concurrent use.
// A Limiter never fails: when its backing store cannot answer it decides by
// a fallback rather than refusing or letting everything through unlimited.
type Limiter interface {
	Allow(ctx context.Context, key string) Decision
}

// maxRetryAfter caps what RetryAfterSeconds says: a limiter's fault must
// not become a header that locks a client out for days.
const maxRetryAfter = 24 * time.Hour

// RetryAfterSeconds is RetryAfter as a Retry-After header's whole seconds
// (RFC 9110 §10.2.3): rounded up, so that a client that waits it is
// served, at least 1, since a client told 0 would come back at once and
// be refused again, and at most a day.
func (d Decision) RetryAfterSeconds() int {
	wait := min(d.RetryAfter, maxRetryAfter)
	return max(int(math.Ceil(wait.Seconds())), 1)
}
