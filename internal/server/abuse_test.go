package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
)

// attackerKeyFor returns a key for alg (RS256 or ES256) that the server
// never holds.
func attackerKeyFor(alg jose.SignatureAlgorithm) any {
	if alg == jose.ES256 {
		return attackerECKey()
	}
	return attackerKey()
}

// attackerECKey is a P-256 key the server never holds.
var attackerECKey = sync.OnceValue(func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
})

// attackerKey is an RSA key the server never holds.
var attackerKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// TestJWTAbuse is the corpus of bearer tokens an attacker (or a confused
// client) presents to the partner API, through the whole server: each is
// refused with 401, the invalid_token challenge and the Graph-style error,
// except a valid token without the read scope, which is a 403.
func TestJWTAbuse(t *testing.T) {
	t.Parallel()
	e := newAbuseEnv(t)
	good := e.token(t, e.demo.ClientID, e.demo.ClientSecret)
	kid, alg, key := e.signingKey(t)
	claims := e.accessClaims(e.demo.ClientID, secusers.PermissionReadUsers)
	realHeader := map[jose.HeaderKey]any{"kid": kid, "typ": "at+jwt"}
	parts := strings.Split(good, ".")

	// The control: the good token and a well-forged one are served, so
	// each refusal below is for the one thing its case changes.
	for name, tok := range map[string]string{"issued": good, "signed with the server's key": signJWT(t, alg, key, realHeader, claims)} {
		if resp, body := e.callAPI(t, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("control, %s token: got %d %s, want 200", name, resp.StatusCode, body)
		}
	}

	const invalidToken = `Bearer error="invalid_token"`
	tests := []struct {
		name      string
		token     func(t *testing.T) string
		wantCode  int    // 401 when zero
		wantMsg   string // a substring of the error message, when set
		challenge string // invalidToken when empty
	}{
		{
			name: "alg none",
			token: func(t *testing.T) string {
				return b64JSON(t, map[string]any{"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + parts[1] + "."
			},
			wantMsg: "algorithm",
		},
		{
			name: "HS256 keyed with the server's public key from the JWKS",
			token: func(t *testing.T) string {
				return signJWT(t, jose.HS256, e.jwksPublicPEM(t, kid), realHeader, claims)
			},
			wantMsg: "algorithm",
		},
		{
			name: "kid naming no key",
			token: func(t *testing.T) string {
				return signJWT(t, alg, attackerKeyFor(alg), map[jose.HeaderKey]any{"kid": "no-such-key", "typ": "at+jwt"}, claims)
			},
			wantMsg: "signing key is not known",
		},
		{
			name: "kid that is a path",
			token: func(t *testing.T) string {
				return signJWT(t, alg, attackerKeyFor(alg), map[jose.HeaderKey]any{"kid": "../../etc/passwd", "typ": "at+jwt"}, claims)
			},
			wantMsg: "signing key is not known",
		},
		{
			name: "no kid",
			token: func(t *testing.T) string {
				return signJWT(t, alg, key, map[jose.HeaderKey]any{"typ": "at+jwt"}, claims)
			},
		},
		{
			name: "expired",
			token: func(t *testing.T) string {
				now := e.clock.Now()
				return signJWT(t, alg, key, realHeader, with(claims, map[string]any{
					"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}))
			},
			wantMsg: "expired",
		},
		{
			name: "not yet valid",
			token: func(t *testing.T) string {
				now := e.clock.Now()
				return signJWT(t, alg, key, realHeader, with(claims, map[string]any{
					"iat": now.Unix(), "nbf": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix()}))
			},
			wantMsg: "not valid yet",
		},
		{
			name: "another issuer",
			token: func(t *testing.T) string {
				return signJWT(t, alg, key, realHeader, with(claims, map[string]any{"iss": "https://login.example"}))
			},
			wantMsg: "another issuer",
		},
		{
			name: "another audience",
			token: func(t *testing.T) string {
				return signJWT(t, alg, key, realHeader, with(claims, map[string]any{"aud": "https://graph.example"}))
			},
			wantMsg: "another audience",
		},
		{
			name: "signed by a key not in the JWKS, with the kid of a real key",
			token: func(t *testing.T) string {
				return signJWT(t, alg, attackerKeyFor(alg), realHeader, claims)
			},
			wantMsg: "signature",
		},
		{
			name: "payload changed after signing",
			token: func(t *testing.T) string {
				return parts[0] + "." + b64JSON(t, with(claims, map[string]any{"scope": secusers.PermissionReadUsers + " admin"})) + "." + parts[2]
			},
			wantMsg: "signature",
		},
		{
			name:  "signature cut off",
			token: func(t *testing.T) string { return parts[0] + "." + parts[1] + "." },
		},
		{
			name: "not an access token (typ JWT)",
			token: func(t *testing.T) string {
				return signJWT(t, alg, key, map[jose.HeaderKey]any{"kid": kid, "typ": "JWT"}, claims)
			},
			wantMsg: "not an access token",
		},
		{
			name: "a token of a disabled app",
			token: func(t *testing.T) string {
				app, secret := e.newApp(t, secusers.PermissionReadUsers)
				tok := e.token(t, app.ClientID, secret)
				if err := e.store.DisableApp(context.Background(), app.ClientID); err != nil {
					t.Fatal(err)
				}
				return tok
			},
			wantMsg: "disabled",
		},
		{
			name: "a token of an app that does not exist",
			token: func(t *testing.T) string {
				ghost := uuid.NewString()
				return signJWT(t, alg, key, realHeader, with(claims, map[string]any{"sub": ghost, "client_id": ghost}))
			},
		},
		{
			name: "scope lacks partner.um.user.read.all",
			token: func(t *testing.T) string {
				app, secret := e.newApp(t, secusers.PermissionReadCustomers)
				return e.token(t, app.ClientID, secret)
			},
			wantCode:  http.StatusForbidden,
			challenge: `Bearer error="insufficient_scope", scope="partner.um.user.read.all"`,
		},
		{
			name: "scope claim rewritten by the holder",
			token: func(t *testing.T) string {
				app, secret := e.newApp(t, secusers.PermissionReadCustomers)
				tok := strings.Split(e.token(t, app.ClientID, secret), ".")
				c := with(e.accessClaims(app.ClientID, secusers.PermissionReadUsers), nil)
				return tok[0] + "." + b64JSON(t, c) + "." + tok[2]
			},
			wantMsg: "signature",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := e.callAPI(t, tt.token(t))
			wantCode, challenge, code := tt.wantCode, tt.challenge, "Unauthorized"
			if wantCode == 0 {
				wantCode = http.StatusUnauthorized
			}
			if challenge == "" {
				challenge = invalidToken
			}
			if wantCode == http.StatusForbidden {
				code = "Forbidden"
			}
			if resp.StatusCode != wantCode {
				t.Errorf("status: got %d (%s), want %d", resp.StatusCode, body, wantCode)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != challenge {
				t.Errorf("WWW-Authenticate: got %q, want %q", got, challenge)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type: got %q, want JSON", ct)
			}
			eb := decodeError(t, resp, body)
			if eb.Error.Code != code {
				t.Errorf("error code: got %q, want %q", eb.Error.Code, code)
			}
			if tt.wantMsg != "" && !strings.Contains(eb.Error.Message, tt.wantMsg) {
				t.Errorf("error message: got %q, want it to mention %q", eb.Error.Message, tt.wantMsg)
			}
			if eb.Error.InnerError.Date == "" {
				t.Errorf("innerError.date is empty")
			}
		})
	}
}

// TestTokenExpiresOnTheServersClock: a real token stops working once the
// server's clock passes its expiry (and the verifier's small leeway).
func TestTokenExpiresOnTheServersClock(t *testing.T) {
	t.Parallel()
	e := newAbuseEnv(t)
	tok := e.token(t, e.demo.ClientID, e.demo.ClientSecret)
	e.clock.Advance(59 * time.Minute)
	if resp, body := e.callAPI(t, tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: got %d %s, want 200", resp.StatusCode, body)
	}
	e.clock.Advance(2 * time.Minute)
	resp, body := e.callAPI(t, tok)
	if eb := decodeError(t, resp, body); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(eb.Error.Message, "expired") {
		t.Errorf("after expiry: got %d %s, want 401 expired", resp.StatusCode, body)
	}
}

// TestClientAssertionEndToEnd: private_key_jwt through the server's token
// endpoint, with a certificate registered as the CLI does; the token it
// yields reads the API; a replay, an unregistered key and a wrong audience
// are refused with invalid_client.
func TestClientAssertionEndToEnd(t *testing.T) {
	t.Parallel()
	e := newAbuseEnv(t)
	ctx := context.Background()
	partnerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := selfSignedPEM(t, partnerKey, e.clock.Now())
	rec, err := identity.ParseClientCertificate(certPEM, e.demo.ClientID, e.clock.Now())
	if err != nil {
		t.Fatalf("ParseClientCertificate: %v", err)
	}
	if _, err := e.store.AddClientCertificate(ctx, rec); err != nil {
		t.Fatalf("add certificate: %v", err)
	}
	assertion := func(key any, aud string) string {
		now := e.clock.Now()
		return signJWT(t, jose.ES256, key, map[jose.HeaderKey]any{"kid": rec.Thumbprint}, map[string]any{
			"iss": e.demo.ClientID, "sub": e.demo.ClientID, "aud": aud, "jti": uuid.NewString(),
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		})
	}
	form := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "scope": {secusers.PermissionReadUsers},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
	}
	tokenEndpoint := e.rs.srv.Issuer() + "/connect/token"
	good := assertion(partnerKey, tokenEndpoint)
	resp, body := e.postToken(t, form(good))
	tok, _ := body["access_token"].(string)
	if resp.StatusCode != http.StatusOK || tok == "" {
		t.Fatalf("token by private_key_jwt: got %d %v, want 200", resp.StatusCode, body)
	}
	if resp, body := e.callAPI(t, tok); resp.StatusCode != http.StatusOK {
		t.Errorf("API with the token: got %d %s, want 200", resp.StatusCode, body)
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name, assertion string
	}{
		{"replay", good},
		{"signed by an unregistered key", assertion(otherKey, tokenEndpoint)},
		{"aimed at another server", assertion(partnerKey, "https://login.example/connect/token")},
	}
	for _, r := range refused {
		resp, body := e.postToken(t, form(r.assertion))
		if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_client" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: got %d %v, want 400 invalid_client, not cached", r.name, resp.StatusCode, body)
		}
	}
	if logs := e.rs.logs.String(); strings.Contains(logs, strings.Split(good, ".")[2]) {
		t.Errorf("the log holds the client assertion:\n%s", logs)
	}
}

// selfSignedPEM makes a self-signed certificate of key valid for a year.
func selfSignedPEM(t *testing.T, key *ecdsa.PrivateKey, now time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "Contoso Reporting"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
