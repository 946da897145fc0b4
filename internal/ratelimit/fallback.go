package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultProbeInterval is how often a Fallback that has lost Redis
	// checks whether it is back, unless WithProbeInterval says otherwise.
	DefaultProbeInterval = time.Second
	// probeKey is the bucket a probe spends its token from: probing
	// through the same script as requests proves what requests need
	// (scripts run, writes accepted), which a PING would not.
	probeKey = "\x00probe"
	// switchAfter is how many Redis failures in a row switch a Fallback to
	// Local. One slow answer (a GC pause, a loaded machine, a new pooled
	// connection's dial) costs only its own request a local decision;
	// switching on it would split the shared limit across the servers for
	// a whole probe interval.
	switchAfter = 3
)

// Fallback is a Limiter that decides through Redis, shared by every server,
// and through a Local of the same Limit, per process, while Redis fails or
// is too slow. It logs each switch once, and while on Local it probes Redis
// in the background and returns to it when it answers again. Requests are
// not sent to Redis while it is down, so a dead Redis costs them nothing.
//
// The Local's buckets are not kept in step with Redis's: after a switch
// either way a key's bucket is the one that side last saw, or a full one.
type Fallback struct {
	redis      *Redis
	local      *Local
	logger     *slog.Logger
	usingRedis atomic.Bool
	failures   atomic.Int32 // Redis failures in a row while usingRedis
	stop       chan struct{}
	done       chan struct{}
	closeOnce  sync.Once
}

// FallbackOption configures a Fallback.
type FallbackOption func(*fallbackConfig)

type fallbackConfig struct {
	probeInterval time.Duration
	localOpts     []LocalOption
}

// WithProbeInterval makes a Fallback check every d, instead of every
// DefaultProbeInterval, whether a lost Redis is back.
func WithProbeInterval(d time.Duration) FallbackOption {
	return func(c *fallbackConfig) { c.probeInterval = d }
}

// WithLocalOptions configures the Local a Fallback stands in with.
func WithLocalOptions(opts ...LocalOption) FallbackOption {
	return func(c *fallbackConfig) { c.localOpts = append(c.localOpts, opts...) }
}

// NewFallback returns a Fallback over r, standing in with a Local of r's
// Limit. It asks Redis once, within ctx and r's timeout, so that it starts
// on Local (and says so) when Redis cannot be reached now; an unreachable Redis is not an
// error, since the Fallback keeps probing. A nil logger means slog.Default.
// Close stops the probing.
func NewFallback(ctx context.Context, r *Redis, logger *slog.Logger, opts ...FallbackOption) *Fallback {
	cfg := fallbackConfig{probeInterval: DefaultProbeInterval}
	for _, opt := range opts {
		opt(&cfg)
	}
	if logger == nil {
		logger = slog.Default()
	}
	f := &Fallback{
		redis:  r,
		local:  NewLocal(r.source, cfg.localOpts...),
		logger: logger,
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	f.usingRedis.Store(true)
	if err := f.probe(ctx); err != nil {
		f.toLocal(ctx, err)
	}
	go f.probeLoop(cfg.probeInterval)
	return f
}

// Allow decides through Redis while it answers, and through the Local
// otherwise.
func (f *Fallback) Allow(ctx context.Context, key string) Decision {
	if f.usingRedis.Load() {
		d, err := f.redis.Try(ctx, key)
		if err == nil {
			f.failures.Store(0)
			return d
		}
		// A request whose client went away fails whatever the state of
		// Redis, so it says nothing about Redis.
		if ctx.Err() == nil && f.failures.Add(1) >= switchAfter {
			f.toLocal(ctx, err)
		}
	}
	return f.local.Allow(ctx, key)
}

// Healthy reports whether decisions go through Redis now, for metrics and
// health checks; false means each server limits on its own.
func (f *Fallback) Healthy() bool {
	return f.usingRedis.Load()
}

// Close stops probing Redis; it does not close the Redis client, which the
// caller owns. It is safe to call more than once.
func (f *Fallback) Close() error {
	f.closeOnce.Do(func() { close(f.stop) })
	<-f.done
	return nil
}

// toLocal switches decisions to Local. The line is logged with ctx, so that
// a switch made by a request carries its id.
func (f *Fallback) toLocal(ctx context.Context, err error) {
	if f.usingRedis.CompareAndSwap(true, false) {
		f.logger.WarnContext(ctx, "rate limiting per process: Redis is unavailable", "err", err)
	}
}

func (f *Fallback) toRedis() {
	f.failures.Store(0)
	if f.usingRedis.CompareAndSwap(false, true) {
		f.logger.Info("rate limiting through Redis again")
	}
}

// probeLoop checks, while decisions go through Local, whether Redis
// answers again.
func (f *Fallback) probeLoop(every time.Duration) {
	defer close(f.done)
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-f.stop
		cancel()
	}()
	for {
		select {
		case <-f.stop:
			return
		case <-ticker.C:
		}
		if !f.usingRedis.Load() && f.probe(ctx) == nil {
			f.toRedis()
		}
	}
}

// probe asks Redis as a request would, within a request's timeout: a Redis
// that answers, but too slowly for requests, is not back, and switching to
// it would only switch away again at the next request.
func (f *Fallback) probe(ctx context.Context) error {
	_, err := f.redis.Try(ctx, probeKey)
	return err
}
