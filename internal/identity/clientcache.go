package identity

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/secusers/secusers/internal/secusers"
)

// clientCacheTTL is the most an app and its secrets, as the token endpoint
// read them, are reused: one second. A partner's script that asks for
// tokens in a loop then costs the store one read of its app a second
// rather than two reads a grant. The staleness is bounded and harmless:
//   - a secret added a moment ago works at once, since a secret that
//     matches nothing cached is looked up in the store before it is refused;
//   - an expired secret is refused at once, since expiry is checked against
//     the clock on every grant;
//   - a removed secret, and a disabled app, may still get a token for up to
//     this second on a server that read them just before. Such a token can
//     do no more than one obtained just before the change: the partner API
//     checks the app and the token's credential itself, on its requests,
//     and refuses both once it sees the change.
const clientCacheTTL = time.Second

// clientCacheSize bounds the cache: an entry is an app and its secrets'
// hashes, well under a kilobyte, and only apps that obtained a token in the
// last second are in it, so 10,000 is more than a deployment's apps and a
// few megabytes at most. A client that falls out costs two store reads, as
// every grant did before the cache.
const clientCacheSize = 10_000

// clientCache holds, per client id, the app and its secrets as the token
// endpoint last read them, for clientCacheTTL. Only apps that exist are
// cached, and only a read that succeeded: an unknown client id costs a
// store read every time, as before, and cannot evict the known ones.
type clientCache struct {
	entries *otter.Cache[string, *clientRecords]
	now     func() time.Time
	ttl     time.Duration // clientCacheTTL; 0 caches nothing, for benchmarks
}

// clientRecords are an app and its secrets, read at loadedAt.
type clientRecords struct {
	app      secusers.App
	secrets  []secusers.ClientSecret
	loadedAt time.Time
}

func newClientCache(now func() time.Time, ttl time.Duration) *clientCache {
	return &clientCache{
		entries: otter.Must(&otter.Options[string, *clientRecords]{
			MaximumSize:      clientCacheSize,
			ExpiryCalculator: otter.ExpiryCreating[string, *clientRecords](max(ttl, time.Nanosecond)),
			Clock:            cacheClock(now),
		}),
		now: now,
		ttl: ttl,
	}
}

// get returns the records of clientID read less than the cache's ttl ago.
// The age is checked here too, not only left to the cache, so that the
// bound holds whatever the cache does; a clock that went back counts as
// stale.
func (c *clientCache) get(clientID string) (*clientRecords, bool) {
	r, ok := c.entries.GetIfPresent(clientID)
	if !ok {
		return nil, false
	}
	if age := c.now().Sub(r.loadedAt); age < 0 || age >= c.ttl {
		return nil, false
	}
	return r, true
}

// put caches r as the records of its app.
func (c *clientCache) put(r *clientRecords) { c.entries.Set(r.app.ClientID, r) }

// loadClient reads the app clientID and its secrets from the store and
// caches them. The store's error is returned as it is, for the caller to
// tell an unknown client from a fault.
func (s *Service) loadClient(ctx context.Context, clientID string) (*clientRecords, error) {
	loadedAt := s.now()
	app, err := s.store.App(ctx, clientID)
	if err != nil {
		return nil, err
	}
	secrets, err := s.store.ClientSecrets(ctx, clientID)
	if err != nil {
		return nil, err
	}
	r := &clientRecords{app: app, secrets: secrets, loadedAt: loadedAt}
	s.clients.put(r)
	return r, nil
}

// findSecret returns the record of the app's secrets that secret matches
// and that has not expired at now, or nil; expired reports that secret
// matched only expired ones.
func (r *clientRecords) findSecret(secret string, now time.Time) (rec *secusers.ClientSecret, expired bool) {
	for i := range r.secrets {
		if !SecretMatches(r.secrets[i], secret) {
			continue
		}
		if !r.secrets[i].ExpiredAt(now) {
			return &r.secrets[i], false
		}
		expired = true
	}
	return nil, expired
}
