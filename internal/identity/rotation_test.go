package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/secusers"
)

// kidOf returns the kid in a token's header.
func kidOf(t testing.TB, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, acceptedAlgorithms)
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return jws.Signatures[0].Header.KeyID
}

func jwksKids(t testing.TB, e *testEnv, svc *Service) map[string]bool {
	t.Helper()
	rec := httptest.NewRecorder()
	e.handlerFor(svc).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, jwksPath, nil))
	set := decodeJWKS(t, rec.Result())
	kids := map[string]bool{}
	for _, k := range set.Keys {
		kids[k.KeyID] = true
	}
	return kids
}

// TestRotationAcrossServers: a rotation stored by another process (the
// CLI's `admin keys rotate`) reaches a running server within the keyring's
// reread, which then signs with the new key, still verifies the old key's
// tokens and publishes both; once every token of the old key has expired,
// the old key leaves the JWKS and verification, and the store.
func TestRotationAcrossServers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	second := e.newService(t)
	oldKid := e.key.id
	oldTok, _, err := second.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := kidOf(t, oldTok); got != oldKid {
		t.Fatalf("kid before the rotation: got %q, want %q", got, oldKid)
	}

	newKey, err := NewSigningKey("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqlite.RotateSigningKey(ctx, newKey); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	rotatedAt := e.clock.Now()
	var newTok string
	for step := 0; ; step++ {
		if step > int(keyRefreshInterval/time.Second) {
			t.Fatalf("the second server still signs with %q %v after the rotation", oldKid, e.clock.Now().Sub(rotatedAt))
		}
		e.clock.Advance(time.Second)
		if newTok, _, err = second.IssueAccessToken(ctx, e.app, testCred, nil); err != nil {
			t.Fatal(err)
		}
		if kidOf(t, newTok) == newKey.ID {
			break
		}
	}
	for name, svc := range map[string]*Service{"first": e.svc, "second": second} {
		for _, tok := range []string{oldTok, newTok} {
			if _, err := svc.VerifyAccessToken(ctx, tok); err != nil {
				t.Errorf("%s server, token of key %q: got %v, want it accepted", name, kidOf(t, tok), err)
			}
		}
		if kids := jwksKids(t, e, svc); !kids[oldKid] || !kids[newKey.ID] || len(kids) != 2 {
			t.Errorf("%s server's JWKS after the rotation: got %v, want the old and the new key", name, kids)
		}
	}

	// Until the old key's last tokens have expired, it stays published.
	e.clock.Advance(time.Hour)
	if kids := jwksKids(t, e, second); !kids[oldKid] {
		t.Errorf("JWKS an hour after the rotation: got %v, want the old key still, for tokens signed by servers that had not reread the keys", kids)
	}
	// Then it goes: from the JWKS, from verification, and from the store.
	e.clock.Advance(keyRetention(time.Hour) - time.Hour)
	if kids := jwksKids(t, e, second); kids[oldKid] || !kids[newKey.ID] {
		t.Errorf("JWKS after the retention: got %v, want only the new key", kids)
	}
	forged := e.forgeToken(t, nil, goodClaims(e.clock.Now(), e.app.ClientID))
	if _, err := second.VerifyAccessToken(ctx, forged); !secusers.IsKind(err, secusers.Unauthenticated) {
		t.Errorf("a fresh token of the dropped key: got %v, want unauthenticated", err)
	}
	stored, err := e.sqlite.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ID != newKey.ID {
		t.Errorf("stored keys after the retention: got %d (first %q), want only %q: the old key should be pruned", len(stored), stored[0].ID, newKey.ID)
	}
}

// TestPruneAtMostEveryFewMinutes: pruning runs on a reread that finds
// outdated keys, at most once per pruneInterval, and never when there is
// nothing to prune.
func TestPruneAtMostEveryFewMinutes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	reread := func() {
		t.Helper()
		e.clock.Advance(keyRefreshInterval)
		if _, err := e.svc.keys.current(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		reread()
	}
	if got := e.store.pruneCalls(); len(got) != 0 {
		t.Fatalf("prunes without a retired key: got %d, want 0", len(got))
	}
	// A retired key the store cannot delete (it is not in the table) keeps
	// every reread finding an outdated key.
	ghost := sharedKey(AlgorithmES256)
	ghost.ID, ghost.RetiredAt = "ghost", e.clock.Now().Add(-keyRetention(time.Hour)-time.Second)
	e.store.addKey(ghost)
	reread()
	first := e.store.pruneCalls()
	if len(first) != 1 || !first[0].Equal(e.clock.Now().Add(-keyRetention(time.Hour))) {
		t.Fatalf("prunes after the first reread: got %v, want one, bounded by now minus the retention", first)
	}
	for range int(pruneInterval/keyRefreshInterval) + 1 {
		reread()
	}
	calls := e.store.pruneCalls()
	if len(calls) != 2 {
		t.Fatalf("prunes: got %d, want a second one after %v", len(calls), pruneInterval)
	}
	if gap := calls[1].Sub(calls[0]); gap < pruneInterval || gap > pruneInterval+keyRefreshInterval {
		t.Errorf("time between prunes: got %v, want %v (within a reread)", gap, pruneInterval)
	}
	if kids := jwksKids(t, e, e.svc); kids["ghost"] {
		t.Errorf("JWKS publishes a key retired longer ago than the retention: %v", kids)
	}
}

// TestPruneFailureIsLogged: a store that cannot prune does not fail the
// reread.
func TestPruneFailureIsLogged(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ghost := sharedKey(AlgorithmES256)
	ghost.ID, ghost.RetiredAt = "ghost", e.clock.Now().Add(-keyRetention(time.Hour)-time.Second)
	e.store.addKey(ghost)
	failing := &pruneFailStore{faultStore: e.store}
	svc, err := New(context.Background(), Config{Store: failing, Issuer: testIssuer, Now: e.clock.Now, Logger: e.svc.logger})
	if err != nil {
		t.Fatalf("New with a store that cannot prune: %v", err)
	}
	if _, _, err := svc.IssueAccessToken(context.Background(), e.app, testCred, nil); err != nil {
		t.Errorf("issue with a store that cannot prune: %v", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "prune retired signing keys") || !strings.Contains(logs, "disk full") {
		t.Errorf("the failed prune was not logged:\n%s", e.logs)
	}
}

type pruneFailStore struct{ *faultStore }

func (pruneFailStore) PruneSigningKeys(context.Context, time.Time) (int, error) {
	return 0, secusers.Errorf(secusers.Internal, "disk full")
}
