package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"log/slog"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
)

func newBox(t *testing.T) *credentials.Box {
	t.Helper()
	key := make([]byte, credentials.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	box, err := credentials.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// TestSigningKeysSealedAtRest: with a master key, the key a server creates
// is stored sealed (the database holds no private key in the clear), and
// tokens it signs verify; a server with no master key, or another one,
// refuses to start with a message that says what to do.
func TestSigningKeysSealedAtRest(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	st := openStoreEmpty(t, clock)
	box := newBox(t)
	start := func(key *credentials.Box) (*Service, error) {
		return New(context.Background(), Config{Store: st, Issuer: testIssuer, Now: clock.Now, MasterKey: key,
			Logger: slog.New(slog.DiscardHandler)})
	}
	svc, err := start(box)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := st.SigningKeys(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("stored keys: %d, %v; want 1", len(keys), err)
	}
	// Not a PKCS#8 key: looking for a DER header in the bytes instead
	// failed at random, as ciphertext holds any two bytes now and then, and
	// an EC key's header is not an RSA key's.
	if _, err := x509.ParsePKCS8PrivateKey(keys[0].PrivateKey); !credentials.Sealed(keys[0].PrivateKey) || err == nil {
		t.Fatalf("the stored private key is not sealed: % x…", keys[0].PrivateKey[:8])
	}
	tok, _, err := svc.IssueAccessToken(context.Background(), secusers.App{ClientID: "c", Permissions: []string{secusers.PermissionReadUsers}}, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := start(box)
	if err != nil {
		t.Fatalf("a second server with the same master key: %v", err)
	}
	if _, err := second.VerifyAccessToken(context.Background(), tok); err != nil {
		t.Errorf("the second server refused the first's token: %v", err)
	}

	for _, tt := range []struct {
		name string
		key  *credentials.Box
		want string
	}{
		{"no master key", nil, "does not have"},
		{"another master key", newBox(t), "another master key"},
	} {
		_, err := start(tt.key)
		if !secusers.IsKind(err, secusers.Invalid) || !strings.Contains(secusers.MessageOf(err), tt.want) {
			t.Errorf("%s: got %v, want an invalid error saying the server %s the key", tt.name, err, tt.want)
		}
	}
}

// TestClearKeysStillRead: keys stored in the clear before sealing (or by a
// server without a master key) keep verifying, and a rotation sealed with
// the master key joins them.
func TestClearKeysStillRead(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	st := openStore(t, clock, AlgorithmRS256) // the shared RSA key, in the clear
	box := newBox(t)
	cfg := Config{Store: st, Issuer: testIssuer, Now: clock.Now, MasterKey: box, Logger: slog.New(slog.DiscardHandler)}
	svc, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := secusers.App{ClientID: "c", Permissions: []string{secusers.PermissionReadUsers}}
	old, _, err := svc.IssueAccessToken(context.Background(), app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	candidate, err := NewSigningKey(AlgorithmES256) // an EC key round-trips through the seal too
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := SealSigningKey(box, candidate)
	if err != nil || !credentials.Sealed(sealed.PrivateKey) {
		t.Fatalf("SealSigningKey: sealed %v, %v", credentials.Sealed(sealed.PrivateKey), err)
	}
	if _, err := st.RotateSigningKey(context.Background(), sealed); err != nil {
		t.Fatal(err)
	}
	fresh, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.VerifyAccessToken(context.Background(), old); err != nil {
		t.Errorf("a token of the clear key after the sealed rotation: %v", err)
	}
	tok, _, err := fresh.IssueAccessToken(context.Background(), app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.VerifyAccessToken(context.Background(), tok); err != nil {
		t.Errorf("a token of the sealed key: %v", err)
	}
	if same, _ := SealSigningKey(nil, candidate); !bytes.Equal(same.PrivateKey, candidate.PrivateKey) {
		t.Error("SealSigningKey without a master key changed the key")
	}
}
