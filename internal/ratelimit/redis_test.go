package ratelimit

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisBurstThenRefusalThenRefill(t *testing.T) {
	t.Parallel()
	url := testRedisURL(t)
	tests := []struct {
		name   string
		limit  Limit
		want   time.Duration // RetryAfter once the burst is spent
		refill bool          // wait RetryAfter and expect one more request
	}{
		{"twenty a second, burst 3", Limit{Rate: 20, Burst: 3}, 50 * time.Millisecond, true},
		{"one a second, burst 2", Limit{Rate: 1, Burst: 2}, time.Second, false},
		{"one every two seconds, burst 1", Limit{Rate: 0.5, Burst: 1}, 2 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewRedis(newTestClient(t, url), tt.limit, testPrefix(t), WithTimeout(testTimeout))
			start := time.Now()
			for i := range tt.limit.Burst {
				if d := try(t, r, "k"); !d.Allowed {
					t.Fatalf("request %d of the burst: got refused, want allowed", i+1)
				}
			}
			d := try(t, r, "k")
			elapsed := time.Since(start)
			if d.Allowed {
				t.Fatalf("request past the burst: got allowed, want refused")
			}
			// Redis's clock ran on while we asked, so RetryAfter is one
			// emission interval less what elapsed since the burst began.
			if d.RetryAfter > tt.want+time.Millisecond || d.RetryAfter < tt.want-elapsed-time.Millisecond {
				t.Fatalf("RetryAfter: got %v, want %v less at most %v", d.RetryAfter, tt.want, elapsed)
			}
			if !tt.refill {
				return
			}
			time.Sleep(d.RetryAfter + time.Millisecond)
			if d := try(t, r, "k"); !d.Allowed {
				t.Fatalf("after RetryAfter: got refused (RetryAfter %v), want allowed", d.RetryAfter)
			}
		})
	}
}

func TestRedisKeysAreIndependentAndExpire(t *testing.T) {
	t.Parallel()
	client := newTestClient(t, testRedisURL(t))
	prefix := testPrefix(t)
	r := NewRedis(client, Limit{Rate: 1, Burst: 2}, prefix, WithTimeout(testTimeout))
	other := NewRedis(client, Limit{Rate: 1, Burst: 2}, testPrefix(t), WithTimeout(testTimeout))
	for range 2 {
		try(t, r, "a")
	}
	if d := try(t, r, "a"); d.Allowed {
		t.Fatalf("a past its burst: got allowed, want refused")
	}
	for _, c := range []struct {
		name string
		r    *Redis
		key  string
	}{{"other key", r, "b"}, {"same key, other prefix", other, "a"}} {
		if d := try(t, c.r, c.key); !d.Allowed {
			t.Fatalf("%s: got refused, want allowed", c.name)
		}
	}
	// A bucket is full again two seconds after it was emptied, and then
	// carries no state: Redis must drop it by itself.
	ttl, err := client.TTL(t.Context(), "rate:"+prefix+"a").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > 2*time.Second {
		t.Fatalf("TTL of a's bucket: got %v, want within (0, 2s]", ttl)
	}
}

func TestRedisServersShareOneBucket(t *testing.T) {
	t.Parallel()
	url := testRedisURL(t)
	prefix := testPrefix(t)
	limit := Limit{Rate: 0.001, Burst: 10} // no refill during the test
	// Two clients and two limiters, as two servers would have.
	servers := []*Redis{
		NewRedis(newTestClient(t, url), limit, prefix, WithTimeout(testTimeout)),
		NewRedis(newTestClient(t, url), limit, prefix, WithTimeout(testTimeout)),
	}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		r := servers[i%len(servers)]
		wg.Go(func() {
			for range 10 {
				d, err := r.Try(t.Context(), "shared")
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != int64(limit.Burst) {
		t.Fatalf("got %d allowed by both servers together, want %d", got, limit.Burst)
	}
}

func TestRedisTimesOutOnASilentRedis(t *testing.T) {
	t.Parallel()
	// A listener that accepts and never answers, as a hung Redis does.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var held sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held.Lock()
			conns = append(conns, c)
			held.Unlock()
		}
	}()
	t.Cleanup(func() {
		held.Lock()
		defer held.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	r := NewRedis(newTestClient(t, "redis://"+ln.Addr().String()), Limit{Rate: 1, Burst: 1}, testPrefix(t))
	start := time.Now()
	if _, err := r.Try(t.Context(), "k"); err == nil {
		t.Fatalf("got no error from a Redis that never answers")
	}
	// The bound is generous for a loaded machine; without
	// ContextTimeoutEnabled the call would take the 3 s read timeout.
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("Try took %v, want about %v", elapsed, DefaultTimeout)
	}
}

func TestRedisWithoutRateAllowsWithoutAskingRedis(t *testing.T) {
	t.Parallel()
	r := NewRedis(newTestClient(t, "redis://"+closedAddr(t)), Limit{Rate: 0, Burst: 1}, "p:")
	if d := try(t, r, "k"); !d.Allowed {
		t.Fatalf("got refused, want allowed")
	}
}

// try is Try failing the test on an error.
func try(t *testing.T, r *Redis, key string) Decision {
	t.Helper()
	d, err := r.Try(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func BenchmarkRedisTry(b *testing.B) {
	url := testRedisURL(b)
	opts, err := parseRedisURL(url)
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	prefix := testPrefix(b)
	r := NewRedis(client, Limit{Rate: 1e6, Burst: 100}, prefix, WithTimeout(testTimeout))
	b.Run("one key", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Try(b.Context(), "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("many keys parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := r.Try(context.Background(), fmt.Sprint(i%1000)); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}
