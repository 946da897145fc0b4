package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time for tests; it stands still unless advanced.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLocalBurstThenRefusalThenRefill(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit Limit
		want  time.Duration // RetryAfter once the burst is spent
	}{
		{"one a second, burst 3", Limit{Rate: 1, Burst: 3}, time.Second},
		{"ten a second, burst 1", Limit{Rate: 10, Burst: 1}, 100 * time.Millisecond},
		{"one every two seconds, burst 5", Limit{Rate: 0.5, Burst: 5}, 2 * time.Second},
		{"three a second, burst 2", Limit{Rate: 3, Burst: 2}, time.Second / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			l := NewLocal(tt.limit, WithClock(clk.Now))
			for i := range tt.limit.Burst {
				if d := l.Allow(t.Context(), "k"); !d.Allowed {
					t.Fatalf("request %d of the burst: got refused, want allowed", i+1)
				}
			}
			d := l.Allow(t.Context(), "k")
			if d.Allowed {
				t.Fatalf("request past the burst: got allowed, want refused")
			}
			if diff := d.RetryAfter - tt.want; diff < 0 || diff > time.Microsecond {
				t.Fatalf("RetryAfter: got %v, want %v", d.RetryAfter, tt.want)
			}
			clk.Advance(d.RetryAfter - time.Microsecond)
			if d := l.Allow(t.Context(), "k"); d.Allowed {
				t.Fatalf("just before RetryAfter: got allowed, want refused")
			}
			clk.Advance(time.Microsecond)
			if d := l.Allow(t.Context(), "k"); !d.Allowed {
				t.Fatalf("after RetryAfter: got refused, want allowed")
			}
			if d := l.Allow(t.Context(), "k"); d.Allowed {
				t.Fatalf("after the refilled token: got allowed, want refused")
			}
		})
	}
}

func TestLocalKeysAreIndependent(t *testing.T) {
	t.Parallel()
	l := NewLocal(Limit{Rate: 1, Burst: 2}, WithClock(newClock().Now))
	for range 2 {
		l.Allow(t.Context(), "a")
	}
	if d := l.Allow(t.Context(), "a"); d.Allowed {
		t.Fatalf("a past its burst: got allowed, want refused")
	}
	for i := range 2 {
		if d := l.Allow(t.Context(), "b"); !d.Allowed {
			t.Fatalf("b request %d: got refused, want allowed", i+1)
		}
	}
}

func TestLocalWithoutRateAllowsEverything(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{0, -1} {
		l := NewLocal(Limit{Rate: rate, Burst: 1})
		for i := range 100 {
			if d := l.Allow(t.Context(), "k"); !d.Allowed {
				t.Fatalf("rate %v, request %d: got refused, want allowed", rate, i+1)
			}
		}
		if got := l.Len(); got != 0 {
			t.Fatalf("rate %v: got %d keys tracked, want 0", rate, got)
		}
	}
}

func TestLocalDropsRefilledBuckets(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l := NewLocal(Limit{Rate: 10, Burst: 5}, WithClock(clk.Now))
	const keys = 10_000
	for i := range keys {
		l.Allow(t.Context(), fmt.Sprintf("old-%d", i))
	}
	if got := l.Len(); got != keys {
		t.Fatalf("before the sweep: got %d keys, want %d", got, keys)
	}
	l.Allow(t.Context(), "spent")
	for range 4 {
		l.Allow(t.Context(), "spent")
	}
	// Past the sweep interval every old bucket has refilled; "spent" keeps
	// being used, so it never refills and must survive.
	clk.Advance(sweepInterval + time.Second)
	for range 5 {
		l.Allow(t.Context(), "spent")
	}
	// New keys reach every shard, each sweeping as it is touched.
	const fresh = 2_000
	for i := range fresh {
		l.Allow(t.Context(), fmt.Sprintf("new-%d", i))
	}
	if got := l.Len(); got > fresh+1 {
		t.Fatalf("after the sweep: got %d keys, want at most %d", got, fresh+1)
	}
	if d := l.Allow(t.Context(), "spent"); d.Allowed {
		t.Fatalf("spent bucket after the sweep: got allowed, want refused")
	}
}

func TestLocalCapsKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		maxKeys int
		keys    int
	}{
		{"small cap", 10, 1_000},
		{"cap not a multiple of the shards", 1_000, 20_000},
		{"larger cap", 4_096, 40_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock() // frozen: no bucket refills, none can be swept
			l := NewLocal(Limit{Rate: 1, Burst: 3}, WithClock(clk.Now), WithMaxKeys(tt.maxKeys))
			for range 3 {
				l.Allow(t.Context(), "victim")
			}
			for i := range tt.keys {
				l.Allow(t.Context(), fmt.Sprintf("flood-%d", i))
			}
			if got := l.Len(); got > tt.maxKeys {
				t.Fatalf("got %d keys, want at most %d", got, tt.maxKeys)
			}
			if tt.maxKeys >= 1000 {
				// Eviction prefers fuller buckets, so a flood of one-off
				// keys does not give a spent key a fresh burst.
				if d := l.Allow(t.Context(), "victim"); d.Allowed {
					t.Fatalf("spent key after the flood: got allowed, want refused")
				}
			}
		})
	}
}

func TestLocalConcurrentRequestsTakeExactlyTheBurst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		burst                 int
		goroutines, perWorker int
	}{
		{"burst 1", 1, 8, 500},
		{"burst 50", 50, 16, 200},
		{"burst above the requests' half", 1_000, 4, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := NewLocal(Limit{Rate: 5, Burst: tt.burst}, WithClock(newClock().Now))
			var allowed atomic.Int64
			var wg sync.WaitGroup
			for range tt.goroutines {
				wg.Go(func() {
					for range tt.perWorker {
						if l.Allow(t.Context(), "k").Allowed {
							allowed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if got := allowed.Load(); got != int64(tt.burst) {
				t.Fatalf("got %d allowed, want %d", got, tt.burst)
			}
		})
	}
}

func TestLocalConcurrentKeysUnderEviction(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l := NewLocal(Limit{Rate: 100, Burst: 2}, WithClock(clk.Now), WithMaxKeys(500))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2_000 {
				l.Allow(t.Context(), fmt.Sprintf("%d-%d", g, i%700))
				if i%100 == 0 {
					clk.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if got := l.Len(); got > 500 {
		t.Fatalf("got %d keys, want at most 500", got)
	}
}

func BenchmarkLocalAllow(b *testing.B) {
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("203.0.113.%d:%d", i%256, i)
	}
	b.Run("one key", func(b *testing.B) {
		l := NewLocal(Limit{Rate: 1e9, Burst: 100})
		for b.Loop() {
			l.Allow(b.Context(), "k")
		}
	})
	b.Run("many keys parallel", func(b *testing.B) {
		l := NewLocal(Limit{Rate: 1e9, Burst: 100})
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				l.Allow(b.Context(), keys[i%len(keys)])
				i++
			}
		})
	})
	b.Run("flood of new keys", func(b *testing.B) {
		l := NewLocal(Limit{Rate: 1, Burst: 10}, WithMaxKeys(10_000))
		i := 0
		for b.Loop() {
			l.Allow(b.Context(), keys[i%len(keys)]+fmt.Sprint(i))
			i++
		}
	})
}

func nan() float64 { return math.NaN() }

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		wait time.Duration
		want int
	}{
		{0, 1}, {-time.Second, 1}, {time.Nanosecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2},
		{59500 * time.Millisecond, 60}, {48 * time.Hour, 86400},
	} {
		if got := (Decision{RetryAfter: tt.wait}).RetryAfterSeconds(); got != tt.want {
			t.Errorf("RetryAfterSeconds of %v: got %d, want %d", tt.wait, got, tt.want)
		}
	}
}
