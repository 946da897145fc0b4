package identity

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	st := openStore(t, newFakeClock(), DefaultSigningAlgorithm)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no store", Config{Issuer: testIssuer}},
		{"no issuer", Config{Store: st}},
		{"relative issuer", Config{Store: st, Issuer: "/connect"}},
		{"issuer with a trailing slash", Config{Store: st, Issuer: testIssuer + "/"}},
		{"issuer with a query", Config{Store: st, Issuer: testIssuer + "?a=b"}},
		{"issuer not http", Config{Store: st, Issuer: "ftp://example.com"}},
		{"negative lifetime", Config{Store: st, Issuer: testIssuer, TokenTTL: -time.Hour}},
		{"negative store timeout", Config{Store: st, Issuer: testIssuer, StoreTimeout: -time.Second}},
		{"unknown signing algorithm", Config{Store: st, Issuer: testIssuer, SigningAlgorithm: "HS256"}},
		{"signing algorithm none", Config{Store: st, Issuer: testIssuer, SigningAlgorithm: "none"}},
	}
	for _, tt := range tests {
		if _, err := New(context.Background(), tt.cfg); !secusers.IsKind(err, secusers.Invalid) {
			t.Errorf("%s: got %v, want an invalid error", tt.name, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	svc, err := New(context.Background(), Config{Store: openStore(t, newFakeClock(), DefaultSigningAlgorithm), Issuer: "https://api.example.com/identity"})
	if err != nil {
		t.Fatal(err)
	}
	if svc.ttl != time.Hour || svc.now == nil || svc.logger == nil {
		t.Errorf("defaults: got ttl %v, clock %v, logger %v; want 1h and both set", svc.ttl, svc.now != nil, svc.logger != nil)
	}
	if svc.storeTimeout != DefaultStoreTimeout {
		t.Errorf("store timeout: got %v, want %v", svc.storeTimeout, DefaultStoreTimeout)
	}
	if got, want := Audience("https://api.example.com/identity"), "https://api.example.com/identity/partner"; got != want {
		t.Errorf("Audience: got %q, want %q", got, want)
	}
}

func TestNewStoreUnavailable(t *testing.T) {
	t.Parallel()
	fs := &faultStore{Store: openStoreEmpty(t, newFakeClock())}
	fs.setFault(secusers.Wrap(secusers.Unavailable, errors.New("refused"), "the database is down"))
	if _, err := New(context.Background(), Config{Store: fs, Issuer: testIssuer}); !secusers.IsKind(err, secusers.Unavailable) {
		t.Errorf("got %v, want the store's unavailable error", err)
	}
}

func TestCustomTokenLifetime(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	svc, err := New(context.Background(), Config{Store: e.store, Issuer: testIssuer, TokenTTL: 5 * time.Minute, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok, ttl, err := svc.IssueAccessToken(context.Background(), e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	at, err := svc.VerifyAccessToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if ttl != 5*time.Minute || at.ExpiresAt.Sub(at.IssuedAt) != 5*time.Minute {
		t.Errorf("lifetime: got %v and %v, want 5m", ttl, at.ExpiresAt.Sub(at.IssuedAt))
	}
}
