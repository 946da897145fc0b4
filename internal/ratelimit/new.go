package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"sync"

	"github.com/redis/go-redis/v9"
)

// RedisPrefix is the prefix New gives its buckets' Redis keys. Servers
// calling New with the same Redis share the buckets of equal keys, so a
// caller that limits several things should namespace its keys (say
// "ip:"+addr and "client:"+id).
const RedisPrefix = "secusers:"

// Unlimited is the Limiter of a Limit without a Rate: it allows every request.
type Unlimited struct{}

// Allow allows the request.
func (Unlimited) Allow(context.Context, string) Decision {
	return Decision{Allowed: true}
}

// New returns the Limiter a server uses for limit, and what to close when the
// server stops.
//
//   - A Limit whose Rate is 0 or less means no limit: the Limiter is
//     Unlimited.
//   - With redisURL "" the buckets are per process: the Limiter is a *Local.
//   - Otherwise redisURL (redis://[user:password@]host:port[/db][?options],
//     rediss:// for TLS, as redis.ParseURL reads it) names the Redis that
//     the servers share, and the Limiter is a *Fallback, whose Healthy
//     reports whether that Redis is in use. A Redis that cannot be reached
//     now is not an error: the Fallback starts on Local and keeps probing.
//
// A malformed URL, a Burst below 1 or a Rate that is NaN or infinite is an
// error. ctx bounds only New's first ask of Redis: the Limiter outlives it.
// A nil logger means slog.Default.
func New(ctx context.Context, limit Limit, redisURL string, logger *slog.Logger) (Limiter, io.Closer, error) {
	if math.IsNaN(limit.Rate) || math.IsInf(limit.Rate, 0) {
		return nil, nil, fmt.Errorf("ratelimit: rate %v is not a number of requests a second", limit.Rate)
	}
	if limit.Rate <= 0 {
		return Unlimited{}, nopCloser{}, nil
	}
	if limit.Burst < 1 {
		return nil, nil, fmt.Errorf("ratelimit: burst %d is below 1: no request could ever be served", limit.Burst)
	}
	if redisURL == "" {
		return NewLocal(limit), nopCloser{}, nil
	}
	opts, err := parseRedisURL(redisURL)
	if err != nil {
		return nil, nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	routeRedisLog(logger)
	client := redis.NewClient(opts)
	f := NewFallback(ctx, NewRedis(client, limit, RedisPrefix), logger)
	return f, closers{f, client}, nil
}

// redisLogOnce makes the first New's logger go-redis's: go-redis logs
// through one process-wide logger, which otherwise prints plain lines
// ("redis: … failed to dial") among a server's JSON lines.
var redisLogOnce sync.Once

func routeRedisLog(logger *slog.Logger) {
	redisLogOnce.Do(func() { redis.SetLogger(redisLog{logger.With("component", "go-redis")}) })
}

// redisLog is go-redis's logging interface over slog. go-redis logs only
// trouble (failed dials, pool faults), hence Warn.
type redisLog struct{ logger *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.logger.WarnContext(ctx, fmt.Sprintf(format, v...))
}

// parseRedisURL reads a Redis URL and sets what the limiter needs of the
// client whatever the URL says.
func parseRedisURL(redisURL string) (*redis.Options, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		// url.Parse's errors quote the whole URL, password included;
		// its inner error names the problem without it.
		if urlErr, ok := errors.AsType[*url.Error](err); ok {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("ratelimit: Redis URL: %w", err)
	}
	// Without this the client ignores the limiter's per-call timeout and
	// waits for its read timeout, seconds, on a Redis that stopped
	// answering.
	opts.ContextTimeoutEnabled = true
	// A retried script call may have run already and taken a token; and
	// the Fallback, not a retry, is the answer to a failing Redis.
	if opts.MaxRetries == 0 {
		opts.MaxRetries = -1
	}
	return opts, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// closers closes each in turn, returning the errors of all.
type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
