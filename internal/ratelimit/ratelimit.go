// Package ratelimit limits how often a key (an app, a client id, a remote
// address) may be served: a token bucket of Rate tokens a second holding at
// most Burst. A Limiter backed by Redis shares the buckets between every
// server that uses the same Redis; the in-process Limiter keeps them per
// process, and stands in for Redis when Redis cannot be reached.
package ratelimit

import (
	"context"
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
