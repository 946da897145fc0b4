package identity

import (
	"context"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// TestClientCache: grants of one client within clientCacheTTL read its app
// once; a secret added meanwhile works at once, an expired one is refused
// at once, and a removed secret and a disabled app are refused once the
// second is over.
func TestClientCache(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	grant := func(secret string) (int, string) {
		t.Helper()
		return e.secretStatus(t, secret)
	}
	before := e.store.apps()
	for range 3 {
		if code, desc := grant(e.secret); code != http.StatusOK {
			t.Fatalf("grant: got %d %q, want 200", code, desc)
		}
	}
	if got := e.store.apps() - before; got != 1 {
		t.Errorf("store reads of the app for three grants within a second: got %d, want 1", got)
	}

	added, rec := e.addNewSecret(t, e.app.ClientID, 1)
	if code, desc := grant(added); code != http.StatusOK {
		t.Errorf("a secret added a moment ago: got %d %q, want 200", code, desc)
	}

	short := "short-lived-secret-0123456789"
	sum := sha256.Sum256([]byte(short))
	if _, err := e.sqlite.AddClientSecret(ctx, secusers.ClientSecret{ID: uuid.NewString(), ClientID: e.app.ClientID, Hash: sum[:], Hint: "sho",
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(clientCacheTTL / 2)}); err != nil {
		t.Fatal(err)
	}
	if code, desc := grant(short); code != http.StatusOK {
		t.Fatalf("a secret before its expiry: got %d %q, want 200", code, desc)
	}
	e.clock.Advance(clientCacheTTL / 2)
	if code, desc := grant(short); code != http.StatusBadRequest || desc != "the client secret has expired" {
		t.Errorf("a cached secret at its expiry: got %d %q, want 400 expired", code, desc)
	}

	if err := e.sqlite.RemoveClientSecret(ctx, e.app.ClientID, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.sqlite.DisableApp(ctx, e.app.ClientID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(clientCacheTTL)
	if code, desc := grant(added); code != http.StatusBadRequest || desc != failedAuth {
		t.Errorf("a removed secret after %v: got %d %q, want 400 %q", clientCacheTTL, code, desc, failedAuth)
	}
	if code, desc := grant(e.secret); code != http.StatusBadRequest || desc != "the app is disabled" {
		t.Errorf("a disabled app after %v: got %d %q, want 400 disabled", clientCacheTTL, code, desc)
	}
}

// TestClientCacheUnknownClients: an unknown client id is not cached, so
// each costs a store read, as before, and none takes a place in the cache.
func TestClientCacheUnknownClients(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	before := e.store.apps()
	for range 3 {
		resp := e.postToken(t, tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", uuid.NewString(), "client_secret", e.secret)})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown client: got %d, want 400", resp.StatusCode)
		}
	}
	if got := e.store.apps() - before; got != 3 {
		t.Errorf("store reads for three unknown clients: got %d, want 3", got)
	}
	if n := e.svc.clients.entries.EstimatedSize(); n != 0 {
		t.Errorf("cached clients: got %d, want 0", n)
	}
}

// TestClientCacheBounded: the cache holds at most clientCacheSize clients,
// and none for longer than clientCacheTTL.
func TestClientCacheBounded(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c := newClientCache(clock.Now, clientCacheTTL)
	for range 2 * clientCacheSize {
		c.put(&clientRecords{app: secusers.App{ClientID: uuid.NewString()}, loadedAt: clock.Now()})
	}
	c.entries.CleanUp()
	if n := c.entries.EstimatedSize(); n > clientCacheSize {
		t.Errorf("entries: got %d, want at most %d", n, clientCacheSize)
	}
	id := uuid.NewString()
	c.put(&clientRecords{app: secusers.App{ClientID: id}, loadedAt: clock.Now()})
	clock.Advance(clientCacheTTL - time.Millisecond)
	if _, ok := c.get(id); !ok {
		t.Errorf("just under %v: got no entry, want it", clientCacheTTL)
	}
	clock.Advance(time.Millisecond)
	if _, ok := c.get(id); ok {
		t.Errorf("after %v: got the entry, want none", clientCacheTTL)
	}
}
