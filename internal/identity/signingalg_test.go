package identity

import (
	"context"
	"crypto/elliptic"
	"crypto/x509"
	"log/slog"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/secusers"
)

// algOf returns the alg in a token's header.
func algOf(t testing.TB, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, acceptedAlgorithms)
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return jws.Signatures[0].Header.Algorithm
}

// TestSigningAlgorithmAtStart: what New does to the store's keys for each
// Config.SigningAlgorithm, on an empty store and on one whose active key is
// of each algorithm; the tokens it issues then have the active key's
// algorithm.
func TestSigningAlgorithmAtStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		stored     string // the active key's algorithm; "" for an empty store
		configured string
		want       string // the algorithm of the tokens after New
		rotated    bool
	}{
		{"empty store, default", "", "", AlgorithmES256, false},
		{"empty store, RS256", "", AlgorithmRS256, AlgorithmRS256, false},
		{"empty store, es256 in lower case", "", "es256", AlgorithmES256, false},
		{"RS256 key, not configured: kept", AlgorithmRS256, "", AlgorithmRS256, false},
		{"RS256 key, RS256", AlgorithmRS256, AlgorithmRS256, AlgorithmRS256, false},
		{"RS256 key, ES256: rotated", AlgorithmRS256, AlgorithmES256, AlgorithmES256, true},
		{"ES256 key, RS256: rotated", AlgorithmES256, AlgorithmRS256, AlgorithmRS256, true},
		{"ES256 key, ES256", AlgorithmES256, AlgorithmES256, AlgorithmES256, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			st := openStoreEmpty(t, clock)
			if tt.stored != "" {
				st = openStore(t, clock, tt.stored)
			}
			svc, err := New(context.Background(), Config{Store: st, Issuer: testIssuer, Now: clock.Now,
				SigningAlgorithm: tt.configured, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := svc.IssueAccessToken(context.Background(), secusers.App{ClientID: "c", Permissions: []string{secusers.PermissionReadUsers}}, testCred, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := algOf(t, tok); got != tt.want {
				t.Errorf("token alg: got %s, want %s", got, tt.want)
			}
			keys, err := st.SigningKeys(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := len(keys) == 2 && !keys[1].RetiredAt.IsZero(); got != tt.rotated {
				t.Errorf("rotated: got %v (%d keys), want %v", got, len(keys), tt.rotated)
			}
			if keys[0].Algorithm != tt.want || !keys[0].RetiredAt.IsZero() {
				t.Errorf("active key: got %s (retired %v), want an active %s key", keys[0].Algorithm, keys[0].RetiredAt, tt.want)
			}
		})
	}
}

// TestSwitchToES256KeepsRS256Tokens: a server that starts with ES256 on a
// store whose active key is RS256 rotates, signs ES256 from then on, and
// still accepts the tokens of the RS256 key, which the JWKS still
// publishes; so does a server that did not restart, once it rereads.
func TestSwitchToES256KeepsRS256Tokens(t *testing.T) {
	t.Parallel()
	e := newTestEnvAlg(t, AlgorithmRS256)
	ctx := context.Background()
	old, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	switched := e.newServiceWith(t, func(c *Config) { c.SigningAlgorithm = AlgorithmES256 })
	fresh, _, err := switched.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := algOf(t, fresh); got != AlgorithmES256 {
		t.Errorf("alg after the switch: got %s, want ES256", got)
	}
	e.clock.Advance(keyRefreshInterval)
	for name, svc := range map[string]*Service{"switched": switched, "not restarted": e.svc} {
		for _, tok := range []string{old, fresh} {
			if _, err := svc.VerifyAccessToken(ctx, tok); err != nil {
				t.Errorf("%s server, %s token: got %v, want it accepted", name, algOf(t, tok), err)
			}
		}
	}
	set := decodeJWKS(t, e.get(t, jwksPath))
	algs := map[string]bool{}
	for _, k := range set.Keys {
		algs[k.Algorithm] = true
	}
	if !algs[AlgorithmES256] || !algs[AlgorithmRS256] || len(set.Keys) != 2 {
		t.Errorf("JWKS after the switch: got %d keys of %v, want an EC and an RSA key", len(set.Keys), algs)
	}
}

// TestVerifyAlgorithmConfusion: with an RSA and an EC key both published,
// a token is accepted only with the algorithm of the key its kid names: an
// RS256 header naming the EC key, or ES256 naming the RSA key, is refused
// however it is signed.
func TestVerifyAlgorithmConfusion(t *testing.T) {
	t.Parallel()
	e := newTestEnvAlg(t, AlgorithmRS256)
	ctx := context.Background()
	rsaKey := e.key
	e.newServiceWith(t, func(c *Config) { c.SigningAlgorithm = AlgorithmES256 }) // rotates to an EC key
	keys, err := e.sqlite.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := parseSigningKey(keys[0], nil)
	if err != nil || ecKey.alg != jose.ES256 {
		t.Fatalf("active key after the switch: %v, %v", ecKey.alg, err)
	}
	e.clock.Advance(keyRefreshInterval)
	good := goodClaims(e.clock.Now(), e.app.ClientID)
	header := func(kid string) map[jose.HeaderKey]any { return map[jose.HeaderKey]any{"kid": kid, "typ": "at+jwt"} }
	for _, ok := range []string{
		forge(t, jose.ES256, ecKey.private, header(ecKey.id), good),
		forge(t, jose.RS256, rsaKey.private, header(rsaKey.id), good),
	} {
		if _, err := e.svc.VerifyAccessToken(ctx, ok); err != nil {
			t.Errorf("a token of the %s key: got %v, want it accepted", algOf(t, ok), err)
		}
	}
	const mismatch = "the token's signing algorithm is not its key's"
	tests := []struct {
		name, raw string
	}{
		{"RS256 signed by the RSA key, naming the EC key", forge(t, jose.RS256, rsaKey.private, header(ecKey.id), good)},
		{"ES256 signed by the EC key, naming the RSA key", forge(t, jose.ES256, ecKey.private, header(rsaKey.id), good)},
		{"RS256 signed by an outsider, naming the EC key", forge(t, jose.RS256, outsiderKey(), header(ecKey.id), good)},
		{"ES256 signed by an outsider, naming the RSA key", forge(t, jose.ES256, mustEC(elliptic.P256()), header(rsaKey.id), good)},
	}
	for _, tt := range tests {
		if _, err := e.svc.VerifyAccessToken(ctx, tt.raw); secusers.MessageOf(err) != mismatch {
			t.Errorf("%s: got %v, want %q", tt.name, err, mismatch)
		}
	}
}

// TestParseSigningKeyRefusesMismatch: a stored key is used only when its
// row's algorithm names its kind of key.
func TestParseSigningKeyRefusesMismatch(t *testing.T) {
	t.Parallel()
	der := func(key any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		key  secusers.SigningKey
	}{
		{"ES256 holding an RSA key", secusers.SigningKey{ID: "k", Algorithm: AlgorithmES256, PrivateKey: der(outsiderKey())}},
		{"RS256 holding an EC key", secusers.SigningKey{ID: "k", Algorithm: AlgorithmRS256, PrivateKey: der(mustEC(elliptic.P256()))}},
		{"ES256 holding a P-384 key", secusers.SigningKey{ID: "k", Algorithm: AlgorithmES256, PrivateKey: der(mustEC(elliptic.P384()))}},
		{"HS256", secusers.SigningKey{ID: "k", Algorithm: "HS256", PrivateKey: der(mustEC(elliptic.P256()))}},
		{"es256 in lower case", secusers.SigningKey{ID: "k", Algorithm: "es256", PrivateKey: der(mustEC(elliptic.P256()))}},
	}
	for _, tt := range tests {
		if _, err := parseSigningKey(tt.key, nil); err == nil {
			t.Errorf("%s: got it parsed, want an error", tt.name)
		}
	}
	for _, alg := range []string{AlgorithmES256, AlgorithmRS256} {
		k := sharedKey(alg)
		pk, err := parseSigningKey(k, nil)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if kid, _ := thumbprint(pk.private.Public()); kid != k.ID || string(pk.alg) != alg {
			t.Errorf("%s: got kid %s, alg %s; want the RFC 7638 thumbprint %s and %s", alg, k.ID, pk.alg, kid, alg)
		}
	}
}

func TestParseSigningAlgorithm(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"ES256": "ES256", "es256": "ES256", "RS256": "RS256", "rs256": "RS256"} {
		if got, err := ParseSigningAlgorithm(in); got != want || err != nil {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "none", "HS256", "PS256", "ES384", "RS512", " ES256"} {
		if _, err := ParseSigningAlgorithm(in); !secusers.IsKind(err, secusers.Invalid) {
			t.Errorf("%q: got %v, want an invalid error", in, err)
		}
		if _, err := NewSigningKey(in); in != "" && err == nil {
			t.Errorf("NewSigningKey(%q): got a key, want an error", in)
		}
	}
}

// TestEnsureSigningAlgorithm: what the serve command runs before the server
// starts rotates once to the algorithm asked for, and then leaves the key
// alone.
func TestEnsureSigningAlgorithm(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	st := openStore(t, clock, AlgorithmRS256)
	ctx := context.Background()
	cfg := Config{Store: st, SigningAlgorithm: "es256", Now: clock.Now, Logger: slog.New(slog.DiscardHandler)}
	for range 2 {
		if err := EnsureSigningAlgorithm(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Algorithm != AlgorithmES256 || keys[1].Algorithm != AlgorithmRS256 || keys[1].RetiredAt.IsZero() {
		t.Errorf("keys: got %+v, want an active ES256 key and the RS256 one retired", keys)
	}
	cfg.SigningAlgorithm = "HS256"
	if err := EnsureSigningAlgorithm(ctx, cfg); !secusers.IsKind(err, secusers.Invalid) {
		t.Errorf("HS256: got %v, want an invalid error", err)
	}
}
