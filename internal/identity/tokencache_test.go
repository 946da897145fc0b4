package identity

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/secusers"
)

// TestVerifyCacheHoldsHashes: an accepted token is cached under its
// SHA-256, never under the token itself, and refused tokens are not cached.
func TestVerifyCacheHoldsHashes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	tok, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"x.y.z", tok + "x", e.forgeToken(t, nil, with(goodClaims(e.clock.Now(), e.app.ClientID), map[string]any{"iss": "https://evil.example"}))} {
		if _, err := e.svc.VerifyAccessToken(ctx, bad); err == nil {
			t.Fatalf("%q: got it accepted, want it refused", bad)
		}
	}
	if n := cachedTokens(e.svc); n != 0 {
		t.Errorf("cached tokens after refusals only: got %d, want 0", n)
	}
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if n := cachedTokens(e.svc); n != 1 {
		t.Errorf("cached tokens after one accepted: got %d, want 1", n)
	}
	if _, ok := e.svc.verified.get(sha256.Sum256([]byte(tok))); !ok {
		t.Error("the accepted token is not cached under its SHA-256")
	}
}

// TestVerifyCachedTokenExpires: a cached token is accepted until its exp
// (give or take the leeway, as an uncached one) and refused after, by the
// injected clock; its entry is never used at or past exp.
func TestVerifyCachedTokenExpires(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	tok, ttl, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := sha256.Sum256([]byte(tok))
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(ttl - time.Second)
	if _, ok := e.svc.verified.get(key); !ok {
		t.Fatal("a second before exp: the entry is gone, want it cached")
	}
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Errorf("a second before exp: got %v, want the token accepted", err)
	}
	e.clock.Advance(time.Second)
	if _, ok := e.svc.verified.get(key); ok {
		t.Error("at exp: the entry is still used")
	}
	e.clock.Advance(clockLeeway + time.Second)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); secusers.MessageOf(err) != "the token has expired" {
		t.Errorf("past exp and the leeway: got %v, want the token expired", err)
	}
	if _, ok := e.svc.verified.get(key); ok {
		t.Error("past exp: the token was cached again")
	}
}

// TestVerifyCachedTokenOfDroppedKey: a cached token stops verifying once
// its key leaves the store, as an uncached one does.
func TestVerifyCachedTokenOfDroppedKey(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	other := mustSigningKey(AlgorithmES256)
	e.store.addKey(other)
	pk, err := parseSigningKey(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := forge(t, pk.alg, pk.private, map[jose.HeaderKey]any{"kid": other.ID, "typ": "at+jwt"}, goodClaims(e.clock.Now(), e.app.ClientID))
	e.clock.Advance(keyMissInterval)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Fatalf("a token of a stored key: got %v, want it accepted", err)
	}
	e.store.dropKeys()
	e.clock.Advance(keyRefreshInterval)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); secusers.MessageOf(err) != "the token's signing key is not known" {
		t.Errorf("after its key left the store: got %v, want the key unknown", err)
	}
}

// TestVerifyCacheBounded: however many tokens are verified, the cache holds
// at most tokenCacheSize.
func TestVerifyCacheBounded(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c := newTokenCache(clock.Now)
	v := &verifiedToken{token: secusers.AccessToken{ExpiresAt: clock.Now().Add(time.Hour)}}
	for i := range 2 * tokenCacheSize {
		c.add(sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)}), v)
	}
	c.entries.CleanUp()
	if n := c.entries.EstimatedSize(); n > tokenCacheSize {
		t.Errorf("entries: got %d, want at most %d", n, tokenCacheSize)
	}
}

func cachedTokens(s *Service) int {
	n := 0
	for range s.verified.entries.Keys() {
		n++
	}
	return n
}
