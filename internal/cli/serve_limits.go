package cli

import (
	"context"
	"io"
	"log/slog"
	"math"

	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
)

// checkRateFlags refuses rate flags that cannot be meant, before anything
// is opened.
func checkRateFlags(f serveFlags) error {
	for _, r := range []struct {
		name  string
		rate  float64
		burst int
	}{{"--rate-limit", f.rateLimit, f.rateBurst}, {"--token-rate-limit", f.tokenRateLimit, f.tokenRateBurst}} {
		if r.rate < 0 || math.IsNaN(r.rate) || math.IsInf(r.rate, 0) {
			return secusers.Errorf(secusers.Invalid, "%s must be 0 (off) or a positive number of requests a second, got %v", r.name, r.rate)
		}
		if r.rate > 0 && r.burst < 1 {
			return secusers.Errorf(secusers.Invalid, "the burst of %s must be at least 1, got %d", r.name, r.burst)
		}
	}
	return nil
}

// openLimits makes the server's limiters: one for the partner API and one
// for the token endpoint, which serves both its limits (per client id and
// per address) because they share one Limit and their keys are namespaced
// (token-client:, token-addr:; the API's app:). Each limiter with --redis
// is one Redis client and one health probe.
func openLimits(ctx context.Context, f serveFlags, logger *slog.Logger) (server.Limiters, func(), error) {
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			if err := c.Close(); err != nil {
				logger.Warn("closing a rate limiter", "err", err)
			}
		}
	}
	open := func(name string, rate float64, burst int) (ratelimit.Limiter, error) {
		l, c, err := ratelimit.New(ctx, ratelimit.Limit{Rate: rate, Burst: burst}, f.redisURL, logger.With("limiter", name))
		if err != nil {
			closeAll()
			return nil, secusers.Wrap(secusers.Invalid, err, "--redis: "+err.Error())
		}
		closers = append(closers, c)
		return l, nil
	}
	api, err := open("api", f.rateLimit, f.rateBurst)
	if err != nil {
		return server.Limiters{}, nil, err
	}
	token, err := open("token", f.tokenRateLimit, f.tokenRateBurst)
	if err != nil {
		return server.Limiters{}, nil, err
	}
	return server.Limiters{API: api, TokenClient: token, TokenAddress: token}, closeAll, nil
}
