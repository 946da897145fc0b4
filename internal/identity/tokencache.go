package identity

import (
	"crypto/sha256"
	"slices"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/secusers/secusers/internal/secusers"
)

// tokenCacheSize bounds the verified-token cache. An entry is a few hundred
// bytes (the claims, the token's fields, the key), so the cache holds a few
// megabytes at most. Clients reuse a token until it expires, so the tokens
// in use at a time number about one per active app; 10,000 is far above
// the apps a deployment serves, and past it a miss costs one signature
// check, as every request did before the cache, never a refusal.
const tokenCacheSize = 10_000

// tokenCache holds the tokens VerifyAccessToken accepted, so that a request
// with a known token costs a hash and a lookup instead of a signature check
// (tens of microseconds for ES256). It is keyed by the SHA-256 of the raw
// token, never the token itself, so that the cache holds no bearer token,
// and it keeps an entry until the token's exp, never longer.
//
// Only accepted tokens enter it. A refused token costs what it did before,
// and a flood of bad tokens cannot evict good ones: an entry takes a token
// this service signed, and a token takes a grant. What a hit still checks
// is the caller's (see Service.cachedToken).
type tokenCache struct {
	entries *otter.Cache[[sha256.Size]byte, *verifiedToken]
	now     func() time.Time
}

// verifiedToken is a token whose header and signature were checked: what
// VerifyAccessToken needs to accept it again without its signature.
type verifiedToken struct {
	kid    string // of the key that signed it, which must stay published
	claims accessClaims
	token  secusers.AccessToken
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{
		entries: otter.Must(&otter.Options[[sha256.Size]byte, *verifiedToken]{
			MaximumSize: tokenCacheSize,
			ExpiryCalculator: otter.ExpiryCreatingFunc(func(e otter.Entry[[sha256.Size]byte, *verifiedToken]) time.Duration {
				return e.Value.token.ExpiresAt.Sub(now())
			}),
			Clock: cacheClock(now),
		}),
		now: now,
	}
}

// get returns the entry of the token whose hash is key, if it has one and
// the token has not expired. The expiry is checked here too, not only left
// to the cache, so that no entry is ever used past exp.
func (c *tokenCache) get(key [sha256.Size]byte) (*verifiedToken, bool) {
	v, ok := c.entries.GetIfPresent(key)
	if !ok || !c.now().Before(v.token.ExpiresAt) {
		return nil, false
	}
	return v, true
}

// add caches v under key, unless the token expires before it could be used
// again (it may be accepted within the clock leeway past exp).
func (c *tokenCache) add(key [sha256.Size]byte, v *verifiedToken) {
	if c.now().Before(v.token.ExpiresAt) {
		c.entries.Set(key, v)
	}
}

// forget drops the entry of key.
func (c *tokenCache) forget(key [sha256.Size]byte) { c.entries.Invalidate(key) }

// accessToken returns the token as VerifyAccessToken returns it, with a
// scope list of its own, so that no caller can change what the cache holds.
func (v *verifiedToken) accessToken() secusers.AccessToken {
	tok := v.token
	tok.Scopes = slices.Clone(tok.Scopes)
	return tok
}
