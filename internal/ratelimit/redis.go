package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds each Redis call of a Redis limiter unless
// WithTimeout says otherwise: a rate limiter runs on every request, so a
// slow Redis must cost a request little more than this before the Fallback
// decides without it.
const DefaultTimeout = 50 * time.Millisecond

// Redis keeps the token buckets in Redis, so that every server using the
// same Redis and prefix shares them. Each decision is one script call (GCRA,
// as implemented by redis_rate) that reads and updates the bucket
// atomically with Redis's own clock, so the servers' clocks need not agree;
// buckets expire in Redis once they have refilled.
//
// Redis is deliberately not a Limiter: it fails when Redis does, and a
// Limiter must not. Use it through a Fallback.
type Redis struct {
	client    redis.UniversalClient
	source    Limit
	limiter   *redis_rate.Limiter
	limit     redis_rate.Limit
	unlimited bool
	prefix    string
	timeout   time.Duration
}

// RedisOption configures a Redis limiter.
type RedisOption func(*Redis)

// WithTimeout bounds each Redis call by d instead of DefaultTimeout.
func WithTimeout(d time.Duration) RedisOption {
	return func(r *Redis) { r.timeout = d }
}

// NewRedis returns a Redis limiter enforcing limit per key through client,
// storing key's bucket under "rate:"+prefix+key ("rate:" is redis_rate's).
// Servers share buckets exactly when they share the Redis and the prefix,
// so the prefix should name the limit (say "secusers:api:").
//
// The client must have ContextTimeoutEnabled set, or a Redis that stops
// answering holds each request for the client's read timeout (seconds)
// rather than the limiter's. A Limit whose Rate is not positive means no
// limit, and a Burst below 1 is taken as 1, as for NewLocal.
func NewRedis(client redis.UniversalClient, limit Limit, prefix string, opts ...RedisOption) *Redis {
	r := &Redis{
		client:    client,
		source:    limit,
		limiter:   redis_rate.NewLimiter(client),
		unlimited: !(limit.Rate > 0),
		prefix:    prefix,
		timeout:   DefaultTimeout,
	}
	if !r.unlimited {
		// One token every 1/Rate seconds: redis_rate counts whole requests
		// per period, and a period of one emission interval keeps a
		// fractional Rate exact.
		r.limit = redis_rate.Limit{
			Rate:   1,
			Period: time.Duration(float64(time.Second) / limit.Rate),
			Burst:  max(limit.Burst, 1),
		}
	}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Try takes a token of key's bucket if it has one, like Limiter.Allow, but
// reports an error instead of deciding when Redis does not answer within the
// limiter's timeout. The caller's ctx still applies: a request whose client
// has gone needs no answer.
func (r *Redis) Try(ctx context.Context, key string) (Decision, error) {
	if r.unlimited {
		return Decision{Allowed: true}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := r.limiter.Allow(ctx, r.prefix+key, r.limit)
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if res.Allowed > 0 {
		return Decision{Allowed: true}, nil
	}
	return Decision{RetryAfter: res.RetryAfter}, nil
}
