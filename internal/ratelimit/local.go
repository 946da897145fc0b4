package ratelimit

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is how many keys a Local tracks at most unless WithMaxKeys
// says otherwise. Keys are chosen by clients (remote addresses, client ids),
// so without a cap a flood of distinct keys would grow memory without end;
// at roughly 200 bytes a bucket this bounds a Local to some 20 MB.
const DefaultMaxKeys = 100_000

const (
	// maxShards spreads keys over independently locked maps so that
	// requests of different keys rarely wait for one another.
	maxShards = 64
	// sweepInterval is how often a shard drops the buckets that have
	// refilled; it only bounds how long dead buckets linger, since the key
	// cap bounds their number anyway.
	sweepInterval = time.Minute
	// evictSample is how many buckets a full shard looks at to choose the
	// one to forget; a few random ones are enough to find an idle one
	// without walking the whole shard on every new key of a flood.
	evictSample = 8
)

// Local is a Limiter that keeps the token buckets in this process. Its memory
// is bounded: buckets that have refilled completely are dropped (they carry
// no state, so this is exact), and at most a fixed number of keys is kept.
type Local struct {
	limit     Limit
	unlimited bool
	now       func() time.Time
	seed      maphash.Seed
	shards    []shard
	perShard  int
}

// shard is one independently locked part of a Local's buckets.
type shard struct {
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	nextSweep time.Time
	// The padding keeps neighbouring shards' mutexes on separate cache
	// lines, so that cores serving different keys do not contend.
	_ [24]byte
}

// LocalOption configures a Local.
type LocalOption func(*localConfig)

type localConfig struct {
	now     func() time.Time
	maxKeys int
}

// WithClock makes a Local read the time from now instead of time.Now, so
// that tests can move time at will.
func WithClock(now func() time.Time) LocalOption {
	return func(c *localConfig) { c.now = now }
}

// WithMaxKeys caps how many keys a Local tracks at once (DefaultMaxKeys when
// not given). Values below 1 are taken as 1.
func WithMaxKeys(n int) LocalOption {
	return func(c *localConfig) { c.maxKeys = max(n, 1) }
}

// NewLocal returns a Local enforcing limit per key. A Limit whose Rate is not
// positive means no limit: every request is allowed. A Burst below 1 is
// taken as 1, since a bucket that can never hold a token refuses forever.
func NewLocal(limit Limit, opts ...LocalOption) *Local {
	cfg := localConfig{now: time.Now, maxKeys: DefaultMaxKeys}
	for _, opt := range opts {
		opt(&cfg)
	}
	limit.Burst = max(limit.Burst, 1)
	n := min(maxShards, cfg.maxKeys)
	l := &Local{
		limit:     limit,
		unlimited: !(limit.Rate > 0),
		now:       cfg.now,
		seed:      maphash.MakeSeed(),
		shards:    make([]shard, n),
		perShard:  cfg.maxKeys / n,
	}
	for i := range l.shards {
		l.shards[i].buckets = make(map[string]*rate.Limiter)
	}
	return l
}

// Allow takes a token of key's bucket if it has one. It never blocks on
// anything but other requests of keys in the same shard.
func (l *Local) Allow(_ context.Context, key string) Decision {
	if l.unlimited {
		return Decision{Allowed: true}
	}
	s := &l.shards[maphash.String(l.seed, key)%uint64(len(l.shards))]
	// The shard stays locked through the decision so that a sweep cannot
	// drop a bucket between its lookup and the taking of its token, which
	// would hand out that token twice. The clock is read under the lock:
	// read before it, a time could reach the bucket after a later one, and
	// the bucket would count the overlap twice.
	s.mu.Lock()
	defer s.mu.Unlock()
	now := l.now()
	b := l.bucket(s, key, now)
	if b.AllowN(now, 1) {
		return Decision{Allowed: true}
	}
	return Decision{RetryAfter: l.retryAfter(b.TokensAt(now))}
}

// Len reports how many keys the Local tracks now, for metrics and tests.
func (l *Local) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.buckets)
		s.mu.Unlock()
	}
	return n
}

// bucket returns key's bucket in s, making room for it if s is full. The
// caller holds s.mu.
func (l *Local) bucket(s *shard, key string, now time.Time) *rate.Limiter {
	if !now.Before(s.nextSweep) {
		l.sweep(s, now)
		s.nextSweep = now.Add(sweepInterval)
	}
	if b, ok := s.buckets[key]; ok {
		return b
	}
	if len(s.buckets) >= l.perShard {
		l.evictOne(s, now)
	}
	b := rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)
	s.buckets[key] = b
	return b
}

// sweep drops the buckets of s that have refilled completely: a new bucket
// would start in the same state, so forgetting them changes no decision.
func (l *Local) sweep(s *shard, now time.Time) {
	for key, b := range s.buckets {
		if l.full(b, now) {
			delete(s.buckets, key)
		}
	}
}

// evictOne forgets the fullest of a few random buckets of s. Forgetting a
// bucket that is not full gives its key a fresh burst, so it picks the
// fullest: under a flood of one-off keys that is one of the flood's, not
// the bucket of a client that has been spending its tokens.
func (l *Local) evictOne(s *shard, now time.Time) {
	var victim string
	most, seen := -1.0, 0
	for key, b := range s.buckets { // map order is random: a fair sample
		if tokens := b.TokensAt(now); tokens > most {
			victim, most = key, tokens
		}
		if seen++; seen == evictSample || most >= float64(l.limit.Burst) {
			break
		}
	}
	delete(s.buckets, victim)
}

func (l *Local) full(b *rate.Limiter, now time.Time) bool {
	return b.TokensAt(now) >= float64(l.limit.Burst)
}

// retryAfter is how long a bucket holding tokens takes to hold one token,
// rounded up so that a retry after it is never refused for being early.
func (l *Local) retryAfter(tokens float64) time.Duration {
	need := 1 - tokens
	return time.Duration(math.Ceil(need / l.limit.Rate * float64(time.Second)))
}
