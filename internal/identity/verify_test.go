package identity

import (
	"context"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// forge signs arbitrary claims the way an attacker (or a buggy issuer)
// would. key is an *rsa.PrivateKey or an HMAC secret; extra headers override
// the defaults (kid, typ).
func forge(t testing.TB, alg jose.SignatureAlgorithm, key any, headers map[jose.HeaderKey]any, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range headers {
		opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// goodClaims are the claims of a valid token at now for clientID.
func goodClaims(now time.Time, clientID string) map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": clientID, "aud": Audience(testIssuer), "client_id": clientID,
		"scope": secusers.PermissionReadUsers, "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "jti": uuid.NewString(),
	}
}

func with(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// forgeToken signs claims with the env's active key, with headers (its kid
// and the access token type when nil).
func (e *testEnv) forgeToken(t testing.TB, headers map[jose.HeaderKey]any, claims map[string]any) string {
	t.Helper()
	if headers == nil {
		headers = e.header()
	}
	return forge(t, e.key.alg, e.key.private, headers, claims)
}

// header is the header of the tokens the env's active key signs.
func (e *testEnv) header() map[jose.HeaderKey]any {
	return map[jose.HeaderKey]any{"kid": e.key.id, "typ": "at+jwt"}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{AlgorithmES256, AlgorithmRS256} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			testVerifyRejects(t, newTestEnvAlg(t, alg))
		})
	}
}

func testVerifyRejects(t *testing.T, e *testEnv) {
	ctx := context.Background()
	now := e.clock.Now()
	key, kid, alg := e.key.private, e.key.id, e.key.alg
	hdr := e.header()
	good := goodClaims(now, e.app.ClientID)
	sign := func(claims map[string]any) string { return e.forgeToken(t, nil, claims) }

	// Sanity: the forger makes tokens the service accepts, so every
	// rejection below is due to the one thing each row changes.
	if _, err := e.svc.VerifyAccessToken(ctx, sign(good)); err != nil {
		t.Fatalf("a well-formed forged token: got %v, want it accepted", err)
	}

	outsider := outsiderKeys[string(alg)]()
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	issued, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(issued, ".")
	forgeAs := func(headers map[jose.HeaderKey]any, signer any) string { return forge(t, alg, signer, headers, good) }

	tests := []struct {
		name string
		raw  string
	}{
		{"empty", ""},
		{"garbage", "not a token"},
		{"three garbage parts", "a.b.c"},
		{"too long", strings.Repeat("a", maxTokenLength+1)},
		{"alg none", b64(`{"alg":"none","typ":"at+jwt","kid":"`+kid+`"}`) + "." + parts[1] + "."},
		{"alg none, signature kept", b64(`{"alg":"none","typ":"at+jwt","kid":"`+kid+`"}`) + "." + parts[1] + "." + parts[2]},
		{"HS256 with the public key (DER) as secret", forge(t, jose.HS256, pubDER, hdr, good)},
		{"HS256 with the public key (PEM) as secret", forge(t, jose.HS256, pubPEM, hdr, good)},
		{"the other accepted algorithm, signed by a key of its kind", func() string {
			other := AlgorithmRS256
			if alg == jose.RS256 {
				other = AlgorithmES256
			}
			return forge(t, jose.SignatureAlgorithm(other), outsiderKeys[other](), hdr, good)
		}()},
		{"signature stripped", parts[0] + "." + parts[1] + "."},
		{"payload modified after signing", parts[0] + "." + b64(`{"iss":"`+testIssuer+`","scope":"`+secusers.PermissionReadCustomers+`"}`) + "." + parts[2]},
		{"scope widened after signing", func() string {
			var c map[string]any
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			_ = json.Unmarshal(p, &c)
			c["scope"] = secusers.PermissionReadUsers + " " + secusers.PermissionReadCustomers
			q, _ := json.Marshal(c)
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(q) + "." + parts[2]
		}()},
		{"header swapped after signing", b64(`{"alg":"`+string(alg)+`","typ":"at+jwt","kid":"`+kid+`","x":1}`) + "." + parts[1] + "." + parts[2]},
		{"JWE-shaped", "a.b.c.d.e"},
		{"JSON serialization", `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`},
		{"kid unknown", forgeAs(map[jose.HeaderKey]any{"kid": "no-such-key", "typ": "at+jwt"}, key)},
		{"kid is a path", forgeAs(map[jose.HeaderKey]any{"kid": "../../etc/passwd", "typ": "at+jwt"}, key)},
		{"kid missing", forgeAs(map[jose.HeaderKey]any{"typ": "at+jwt"}, key)},
		{"typ missing", forgeAs(map[jose.HeaderKey]any{"kid": kid}, key)},
		{"typ JWT (an ID token, say)", forgeAs(map[jose.HeaderKey]any{"kid": kid, "typ": "JWT"}, key)},
		{"signed by a key not in the store, our kid", forgeAs(hdr, outsider)},
		{"signed by a key not in the store, its own kid", forgeAs(map[jose.HeaderKey]any{"kid": "outsider", "typ": "at+jwt"}, outsider)},
		{"outsider key embedded as jwk", forgeAs(map[jose.HeaderKey]any{"typ": "at+jwt", "jwk": jose.JSONWebKey{Key: outsider.Public()}},
			jose.JSONWebKey{Key: outsider, KeyID: kid})},
		{"expired", sign(with(good, map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(),
			"exp": now.Add(-clockLeeway - time.Second).Unix()}))},
		{"not yet valid", sign(with(good, map[string]any{"nbf": now.Add(clockLeeway + 2*time.Second).Unix()}))},
		{"issued in the future", sign(with(good, map[string]any{"iat": now.Add(clockLeeway + 2*time.Second).Unix()}))},
		{"other issuer", sign(with(good, map[string]any{"iss": "https://evil.example"}))},
		{"issuer with a trailing slash", sign(with(good, map[string]any{"iss": testIssuer + "/"}))},
		{"other audience", sign(with(good, map[string]any{"aud": "https://graph.microsoft.com"}))},
		{"audience is the issuer", sign(with(good, map[string]any{"aud": testIssuer}))},
		{"no exp", sign(with(good, map[string]any{"exp": nil}))},
		{"no nbf", sign(with(good, map[string]any{"nbf": nil}))},
		{"no iat", sign(with(good, map[string]any{"iat": nil}))},
		{"no jti", sign(with(good, map[string]any{"jti": nil}))},
		{"no iss", sign(with(good, map[string]any{"iss": nil}))},
		{"no aud", sign(with(good, map[string]any{"aud": nil}))},
		{"no client_id", sign(with(good, map[string]any{"client_id": nil}))},
		{"subject is not the client", sign(with(good, map[string]any{"sub": uuid.NewString()}))},
		{"exp is a string", sign(with(good, map[string]any{"exp": "tomorrow"}))},
		{"exp beyond int64", sign(with(good, map[string]any{"exp": 1e300}))},
		{"scope is a list", sign(with(good, map[string]any{"scope": []string{secusers.PermissionReadUsers}}))},
		{"cred of an unknown kind", sign(with(good, map[string]any{"cred": map[string]any{"kind": "password", "id": "x"}}))},
		{"cred without an id", sign(with(good, map[string]any{"cred": map[string]any{"kind": "secret"}}))},
		{"cred without a kind", sign(with(good, map[string]any{"cred": map[string]any{"id": "x"}}))},
		{"cred id too long", sign(with(good, map[string]any{"cred": map[string]any{"kind": "secret", "id": strings.Repeat("x", 65)}}))},
		{"cred is a string", sign(with(good, map[string]any{"cred": "secret"}))},
		{"cred is an empty object", sign(with(good, map[string]any{"cred": map[string]any{}}))},
	}
	tests = append(tests, algorithmRows(t, e, good)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.svc.VerifyAccessToken(ctx, tt.raw)
			if err == nil {
				t.Fatalf("got %+v, want an Unauthenticated error", got)
			}
			if k := secusers.KindOf(err); k != secusers.Unauthenticated {
				t.Errorf("got kind %v (%v), want unauthenticated", k, err)
			}
			if msg := secusers.MessageOf(err); msg == "" || strings.Contains(msg, "go-jose") {
				t.Errorf("message %q: want a short safe message", msg)
			}
		})
	}
}

// algorithmRows are the rows of TestVerifyRejects that only a key of the
// env's algorithm can sign: other algorithms of the same kind of key.
func algorithmRows(t *testing.T, e *testEnv, good map[string]any) []struct{ name, raw string } {
	hdr := e.header()
	if e.key.alg == jose.RS256 {
		return []struct{ name, raw string }{
			{"PS256 with the real key", forge(t, jose.PS256, e.key.private, hdr, good)},
			{"RS512 with the real key", forge(t, jose.RS512, e.key.private, hdr, good)},
		}
	}
	// Another ECDSA algorithm needs a key on another curve, which the store
	// never holds: the parser refuses it before any key is looked up.
	return []struct{ name, raw string }{
		{"ES512 under the EC key's kid", forge(t, jose.ES512, mustEC(elliptic.P521()), hdr, good)},
	}
}

func TestVerifyMessages(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{AlgorithmES256, AlgorithmRS256} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvAlg(t, alg)
			now := e.clock.Now()
			good := goodClaims(now, e.app.ClientID)
			tests := []struct {
				raw, want string
			}{
				{e.forgeToken(t, nil, with(good, map[string]any{"exp": now.Add(-time.Hour).Unix()})), "the token has expired"},
				{e.forgeToken(t, nil, with(good, map[string]any{"nbf": now.Add(time.Hour).Unix()})), "the token is not valid yet"},
				{forge(t, jose.HS256, []byte(strings.Repeat("k", 32)), e.header(), good), "the token's signing algorithm is not accepted"},
				{e.forgeToken(t, map[jose.HeaderKey]any{"kid": "x", "typ": "at+jwt"}, good), "the token's signing key is not known"},
				{e.forgeToken(t, nil, with(good, map[string]any{"iss": "https://evil.example"})), "the token is from another issuer"},
				{e.forgeToken(t, nil, with(good, map[string]any{"aud": "x"})), "the token is for another audience"},
				{forge(t, e.key.alg, outsiderKeys[alg](), e.header(), good), "the token's signature is not valid"},
				{"x.y.z", "the token is malformed"},
			}
			for _, tt := range tests {
				_, err := e.svc.VerifyAccessToken(context.Background(), tt.raw)
				if got := secusers.MessageOf(err); got != tt.want {
					t.Errorf("message: got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestVerifyExpiryWithClock walks the injected clock through a token's life,
// leeway included.
func TestVerifyExpiryWithClock(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	tok, ttl, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ttl != time.Hour {
		t.Errorf("lifetime: got %v, want 1h", ttl)
	}
	steps := []struct {
		advance time.Duration
		want    string // "" when the token is still valid
	}{
		{0, ""},
		{ttl - time.Second, ""},
		{clockLeeway, ""}, // past exp, within the leeway
		{2 * time.Second, "the token has expired"},
		{24 * time.Hour, "the token has expired"},
	}
	for _, st := range steps {
		e.clock.Advance(st.advance)
		_, err := e.svc.VerifyAccessToken(ctx, tok)
		if got := secusers.MessageOf(err); got != st.want {
			t.Errorf("at +%v: got %q (%v), want %q", e.clock.Now().Sub(newFakeClock().Now()), got, err, st.want)
		}
	}
}

func TestVerifyNotYetValidWithClock(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	tok, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(-clockLeeway) // another server whose clock is a little behind
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Errorf("within the leeway: got %v, want the token accepted", err)
	}
	e.clock.Advance(-2 * time.Second)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); !secusers.IsKind(err, secusers.Unauthenticated) {
		t.Errorf("before nbf minus the leeway: got %v, want unauthenticated", err)
	}
}

func TestVerifyAcceptsIssued(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	app, _ := e.newApp(t, secusers.PermissionReadUsers, secusers.PermissionReadCustomers)
	tok, _, err := e.svc.IssueAccessToken(ctx, app, testCred, []string{secusers.PermissionReadCustomers})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.VerifyAccessToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	want := secusers.AccessToken{ID: got.ID, ClientID: app.ClientID, Scopes: []string{secusers.PermissionReadCustomers},
		IssuedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(time.Hour), Credential: testCred}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
	if !got.HasScope(secusers.PermissionReadCustomers) || got.HasScope(secusers.PermissionReadUsers) {
		t.Errorf("scopes: got %v, want only %s", got.Scopes, secusers.PermissionReadCustomers)
	}
}

// TestVerifyCredentialClaim: the credential a token was issued with comes
// back from verification; a token of an earlier version, without the
// claim, is accepted with none (the API accepts it until it expires).
func TestVerifyCredentialClaim(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	good := goodClaims(e.clock.Now(), e.app.ClientID)
	thumb := strings.Repeat("0F", 20)
	tests := []struct {
		name string
		cred any // the "cred" claim; nil for none
		want secusers.CredentialRef
	}{
		{"none (an earlier version's token)", nil, secusers.CredentialRef{}},
		{"a secret", map[string]any{"kind": "secret", "id": testCred.ID},
			secusers.CredentialRef{Kind: secusers.CredentialSecret, ID: testCred.ID}},
		{"a certificate", map[string]any{"kind": "certificate", "id": thumb},
			secusers.CredentialRef{Kind: secusers.CredentialCertificate, ID: thumb}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := e.forgeToken(t, nil, with(good, map[string]any{"cred": tt.cred}))
			got, err := e.svc.VerifyAccessToken(ctx, raw)
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			if got.Credential != tt.want {
				t.Errorf("credential: got %+v, want %+v", got.Credential, tt.want)
			}
		})
	}
}

func TestIssueRefuses(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	disabled := e.app
	disabled.Disabled = true
	certificate := secusers.CredentialRef{Kind: secusers.CredentialCertificate, ID: strings.Repeat("AB", 20)}
	tests := []struct {
		name   string
		app    secusers.App
		cred   secusers.CredentialRef
		scopes []string
		want   secusers.Kind
	}{
		{"disabled app", disabled, testCred, nil, secusers.Forbidden},
		{"scope not granted", e.app, testCred, []string{secusers.PermissionReadCustomers}, secusers.Invalid},
		{"unknown scope", e.app, testCred, []string{"admin"}, secusers.Invalid},
		// A token that names no credential could not be refused when
		// its credential is removed.
		{"no credential", e.app, secusers.CredentialRef{}, nil, secusers.Invalid},
		{"credential of an unknown kind", e.app, secusers.CredentialRef{Kind: "password", ID: "x"}, nil, secusers.Invalid},
		{"credential without an id", e.app, secusers.CredentialRef{Kind: secusers.CredentialCertificate}, nil, secusers.Invalid},
		{"certificate, but a disabled app", disabled, certificate, nil, secusers.Forbidden},
	}
	for _, tt := range tests {
		_, _, err := e.svc.IssueAccessToken(ctx, tt.app, tt.cred, tt.scopes)
		if k := secusers.KindOf(err); err == nil || k != tt.want {
			t.Errorf("%s: got %v (kind %v), want kind %v", tt.name, err, k, tt.want)
		}
	}
}

// TestRestartVerifiesOldTokens: a new Service on the same store, as after a
// restart or on a second server, uses the same key and accepts earlier tokens.
func TestRestartVerifiesOldTokens(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	st := openStoreEmpty(t, clock)
	ctx := context.Background()
	first, err := New(ctx, Config{Store: st, Issuer: testIssuer, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Algorithm != AlgorithmES256 {
		t.Fatalf("store keys after New: got %d (%+v), want one ES256 key", len(keys), keys)
	}
	pk, err := parseSigningKey(keys[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if kid, _ := thumbprint(pk.private.Public()); keys[0].ID != kid {
		t.Errorf("kid: got %q, want the RFC 7638 thumbprint %q", keys[0].ID, kid)
	}
	app := secusers.App{ClientID: uuid.NewString(), Permissions: []string{secusers.PermissionReadUsers}}
	tok, _, err := first.IssueAccessToken(ctx, app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	second, err := New(ctx, Config{Store: st, Issuer: testIssuer, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := second.VerifyAccessToken(ctx, tok); err != nil || got.ClientID != app.ClientID {
		t.Errorf("after a restart: got %+v, %v; want the old token accepted", got, err)
	}
	if after, _ := st.SigningKeys(ctx); len(after) != 1 {
		t.Errorf("store keys after a restart: got %d, want still 1", len(after))
	}
	tok2, _, err := second.IssueAccessToken(ctx, app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.VerifyAccessToken(ctx, tok2); err != nil {
		t.Errorf("a token of the second server on the first: got %v, want it accepted", err)
	}
}

// TestKeysFromAnotherServer: a key that appears in the store (another server,
// or a rotation) is picked up on an unknown kid, at most once a second, and
// on the periodic reread.
func TestKeysFromAnotherServer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	otherKey, err := NewSigningKey("")
	if err != nil {
		t.Fatal(err)
	}
	other, err := parseSigningKey(otherKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[jose.HeaderKey]any{"kid": otherKey.ID, "typ": "at+jwt"}
	tok := forge(t, other.alg, other.private, hdr, goodClaims(e.clock.Now(), e.app.ClientID))

	loads := e.store.loads()
	if _, err := e.svc.VerifyAccessToken(ctx, tok); !secusers.IsKind(err, secusers.Unauthenticated) {
		t.Fatalf("before the key exists: got %v, want unauthenticated", err)
	}
	e.store.addKey(otherKey)
	for range 5 { // unknown kids within the second cost no query
		if _, err := e.svc.VerifyAccessToken(ctx, tok); !secusers.IsKind(err, secusers.Unauthenticated) {
			t.Fatalf("within a second of the last reread: got %v, want unauthenticated", err)
		}
	}
	if got := e.store.loads() - loads; got != 0 {
		t.Errorf("rereads within a second of the last: got %d, want 0", got)
	}
	e.clock.Advance(keyMissInterval)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Errorf("a second later: got %v, want the other server's token accepted", err)
	}
	if got := e.store.loads() - loads; got != 1 {
		t.Errorf("rereads: got %d, want 1", got)
	}
	// The JWKS publishes it too.
	set := decodeJWKS(t, e.get(t, jwksPath))
	if len(set.Key(otherKey.ID)) != 1 {
		t.Errorf("JWKS lacks the other server's key %q", otherKey.ID)
	}
	// Known kids reread only when the cache is stale.
	loads = e.store.loads()
	for range 3 {
		if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(keyRefreshInterval)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if got := e.store.loads() - loads; got != 1 {
		t.Errorf("rereads over one refresh interval: got %d, want 1", got)
	}
}

func TestVerifyStoreOutage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	tok, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.store.setFault(secusers.Wrap(secusers.Unavailable, errors.New("connection refused"), "the database is down"))
	e.clock.Advance(keyRefreshInterval) // the cached keys are due for a reread
	if _, err := e.svc.VerifyAccessToken(ctx, tok); !secusers.IsKind(err, secusers.Unavailable) {
		t.Errorf("during an outage: got %v, want the store's unavailable error", err)
	}
	resp := e.get(t, jwksPath)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("JWKS during an outage: got %d (Retry-After %q), want 503 with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.store.setFault(nil)
	if _, err := e.svc.VerifyAccessToken(ctx, tok); err != nil {
		t.Errorf("after the outage: got %v, want the token accepted", err)
	}
}
