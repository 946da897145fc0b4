package ratelimit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFallbackSwitchesToLocalAndBack(t *testing.T) {
	t.Parallel()
	p := startProxy(t, testRedisAddr)
	testRedisURL(t) // skips unless the Redis behind the proxy is there
	logs, logger := newLogRecorder()
	limit := Limit{Rate: 0.001, Burst: 2} // no refill during the test
	r := NewRedis(newTestClient(t, "redis://"+p.addr), limit, testPrefix(t), WithTimeout(testTimeout))
	f := NewFallback(t.Context(), r, logger, WithProbeInterval(10*time.Millisecond))
	t.Cleanup(func() { f.Close() })

	if !f.Healthy() {
		t.Fatalf("at start: got Healthy false, want true (logs %q)", logs.Messages())
	}
	spend(t, f, "k", 2)
	if d := f.Allow(t.Context(), "k"); d.Allowed {
		t.Fatalf("past the burst, on Redis: got allowed, want refused")
	}

	p.stop()
	// The Local's bucket of k is full: the burst is allowed once more, by
	// this process alone, and then refused. Fewer failures in a row than
	// switchAfter are decided locally one by one without a switch.
	spend(t, f, "k", 2)
	if !f.Healthy() {
		t.Fatalf("after %d failures: got Healthy false, want true until %d in a row", 2, switchAfter)
	}
	if d := f.Allow(t.Context(), "k"); d.Allowed {
		t.Fatalf("past the burst, on Local: got allowed, want refused")
	}
	if f.Healthy() {
		t.Fatalf("with Redis gone: got Healthy true, want false")
	}
	for range 50 {
		if d := f.Allow(t.Context(), "k"); d.Allowed {
			t.Fatalf("past the burst, on Local: got allowed, want refused")
		}
	}
	wantLogs(t, logs, "rate limiting per process: Redis is unavailable")

	p.start()
	deadline := time.Now().Add(10 * time.Second)
	for !f.Healthy() {
		if time.Now().After(deadline) {
			t.Fatalf("Redis back for 10s: got Healthy false, want true")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Back on Redis, whose bucket of k is still spent.
	if d := f.Allow(t.Context(), "k"); d.Allowed {
		t.Fatalf("back on Redis: got allowed, want refused (k's Redis bucket is spent)")
	}
	if d := f.Allow(t.Context(), "other"); !d.Allowed {
		t.Fatalf("back on Redis, a new key: got refused, want allowed")
	}
	wantLogs(t, logs, "rate limiting per process: Redis is unavailable", "rate limiting through Redis again")
}

func TestFallbackIgnoresRequestsWhoseClientLeft(t *testing.T) {
	t.Parallel()
	r := NewRedis(newTestClient(t, testRedisURL(t)), Limit{Rate: 1, Burst: 1}, testPrefix(t), WithTimeout(testTimeout))
	logs, logger := newLogRecorder()
	f := NewFallback(t.Context(), r, logger)
	t.Cleanup(func() { f.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if d := f.Allow(ctx, "k"); !d.Allowed {
		t.Fatalf("cancelled request: got refused, want decided by Local (allowed)")
	}
	if !f.Healthy() {
		t.Fatalf("after a cancelled request: got Healthy false, want true")
	}
	wantLogs(t, logs)
}

func TestNewStartsOnLocalWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	logs, logger := newLogRecorder()
	lim, closer, err := New(t.Context(), Limit{Rate: 1, Burst: 2}, "redis://"+closedAddr(t), logger)
	if err != nil {
		t.Fatalf("got error %v, want none: an unreachable Redis at start is not an error", err)
	}
	t.Cleanup(func() { closer.Close() })
	f, ok := lim.(*Fallback)
	if !ok {
		t.Fatalf("got a %T, want a *Fallback", lim)
	}
	if f.Healthy() {
		t.Fatalf("got Healthy true, want false")
	}
	spend(t, f, "k", 2)
	if d := f.Allow(t.Context(), "k"); d.Allowed {
		t.Fatalf("past the burst, on Local: got allowed, want refused")
	}
	wantLogs(t, logs, "rate limiting per process: Redis is unavailable")
}

func TestNewUsesRedis(t *testing.T) {
	t.Parallel()
	url := testRedisURL(t)
	lim, closer, err := New(t.Context(), Limit{Rate: 0.001, Burst: 1}, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	f, ok := lim.(*Fallback)
	if !ok {
		t.Fatalf("got a %T, want a *Fallback", lim)
	}
	// New's timeout is DefaultTimeout, which a loaded test machine may
	// exceed now and then, switching to Local until the next probe: so
	// look for a request that Redis decided, for a while.
	key := testPrefix(t) // New's prefix is fixed: make the key unique
	check := newTestClient(t, url)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if f.Healthy() && f.Allow(t.Context(), key).Allowed && f.Healthy() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("for 10s: got no request decided through Redis")
		}
		time.Sleep(10 * time.Millisecond)
	}
	n, err := check.Exists(t.Context(), "rate:"+RedisPrefix+key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("got %d buckets of the key in Redis, want 1", n)
	}
	if err := closer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestNewChoosesTheLimiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		limit    Limit
		redisURL string
		want     string // the Limiter's type, or "" for an error
		errHas   string
	}{
		{"no rate means no limit", Limit{Rate: 0, Burst: 5}, "", "ratelimit.Unlimited", ""},
		{"negative rate means no limit", Limit{Rate: -1}, "redis://" + testRedisAddr, "ratelimit.Unlimited", ""},
		{"no Redis means per process", Limit{Rate: 1, Burst: 1}, "", "*ratelimit.Local", ""},
		{"burst 0", Limit{Rate: 1, Burst: 0}, "", "", "burst 0"},
		{"rate not a number", Limit{Rate: nan(), Burst: 1}, "", "", "rate NaN"},
		{"wrong scheme", Limit{Rate: 1, Burst: 1}, "http://h:6379", "", "invalid URL scheme: http"},
		{"bad port, password kept out", Limit{Rate: 1, Burst: 1}, "redis://u:secret@h:%zz/0", "", "invalid port"},
		{"bad database", Limit{Rate: 1, Burst: 1}, "redis://h:6379/x", "", "invalid database number"},
		{"unknown option", Limit{Rate: 1, Burst: 1}, "redis://h:6379?colour=red", "", "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lim, closer, err := New(t.Context(), tt.limit, tt.redisURL, nil)
			if tt.want == "" {
				if err == nil {
					closer.Close()
					t.Fatalf("got a %T, want an error", lim)
				}
				if !strings.Contains(err.Error(), tt.errHas) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("got error %q, want one naming %q and no password", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer closer.Close()
			if got := typeName(lim); got != tt.want {
				t.Fatalf("got a %s, want a %s", got, tt.want)
			}
			if d := lim.Allow(t.Context(), "k"); !d.Allowed {
				t.Fatalf("first request: got refused, want allowed")
			}
		})
	}
}

// spend asks n times for key, failing unless each is allowed.
func spend(t *testing.T, l Limiter, key string, n int) {
	t.Helper()
	for i := range n {
		if d := l.Allow(t.Context(), key); !d.Allowed {
			t.Fatalf("request %d of %s: got refused, want allowed", i+1, key)
		}
	}
}

func wantLogs(t *testing.T, logs *logRecorder, want ...string) {
	t.Helper()
	if got := logs.Messages(); !slices.Equal(got, want) {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

func BenchmarkFallbackAllow(b *testing.B) {
	r := NewRedis(newTestClient(b, testRedisURL(b)), Limit{Rate: 1e6, Burst: 100}, testPrefix(b), WithTimeout(testTimeout))
	f := NewFallback(b.Context(), r, nil)
	defer f.Close()
	for b.Loop() {
		f.Allow(b.Context(), "k")
	}
}
