package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// TestThirdPartyVerification does what a partner's resource server would:
// get a token over HTTP, find the JWKS through discovery, and verify the
// token with a standard JOSE library, knowing nothing of this package, for
// a server that makes ES256 keys (the default) and one that makes RS256
// keys, on an empty store each.
func TestThirdPartyVerification(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		configured string // Config.SigningAlgorithm
		want       jose.SignatureAlgorithm
		kty        string
	}{
		{"", jose.ES256, "EC"},
		{AlgorithmRS256, jose.RS256, "RSA"},
	} {
		t.Run(string(tt.want), func(t *testing.T) {
			t.Parallel()
			testThirdPartyVerification(t, tt.configured, tt.want, tt.kty)
		})
	}
}

func testThirdPartyVerification(t *testing.T, configured string, wantAlg jose.SignatureAlgorithm, wantKty string) {
	ctx := context.Background()
	clock := newFakeClock()
	st := openStoreEmpty(t, clock)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	svc, err := New(ctx, Config{Store: st, Issuer: srv.URL, Now: clock.Now, SigningAlgorithm: configured})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(mux)
	e := &testEnv{sqlite: st, clock: clock}
	e.partner, err = st.CreatePartner(ctx, secusers.Partner{ID: "6f8b0e5e-2f1c-4d27-9a53-0a4d3c1f9e10", Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	app, secret := e.newApp(t, secusers.PermissionReadUsers)

	resp, err := http.PostForm(srv.URL+"/connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tokenResp struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(t, resp, &tokenResp)

	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	resp, err = http.Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	getJSON(t, resp, &discovery)
	resp, err = http.Get(discovery.JWKSURI)
	if err != nil {
		t.Fatal(err)
	}
	var keys jose.JSONWebKeySet
	getJSON(t, resp, &keys)

	// A careful verifier accepts the algorithms it knows and requires the
	// token's to be the one the JWK names.
	tok, err := jwt.ParseSigned(tokenResp.AccessToken, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		t.Fatalf("parse the access token: %v", err)
	}
	h := tok.Headers[0]
	if typ := h.ExtraHeaders[jose.HeaderType]; typ != "at+jwt" {
		t.Errorf("typ: got %v, want at+jwt", typ)
	}
	if h.Algorithm != string(wantAlg) {
		t.Errorf("alg: got %s, want %s", h.Algorithm, wantAlg)
	}
	matching := keys.Key(h.KeyID)
	if len(matching) != 1 {
		t.Fatalf("JWKS keys with kid %q: got %d, want 1", h.KeyID, len(matching))
	}
	if jwk := matching[0]; jwk.Algorithm != h.Algorithm || jwk.Use != "sig" || keyType(jwk) != wantKty {
		t.Errorf("JWK: got alg %s, use %s, kty %s; want %s, sig, %s", jwk.Algorithm, jwk.Use, keyType(jwk), h.Algorithm, wantKty)
	}
	var std jwt.Claims
	var custom struct {
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
	}
	if err := tok.Claims(matching[0], &std, &custom); err != nil {
		t.Fatalf("verify with the published key: %v", err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{
		Issuer: discovery.Issuer, AnyAudience: jwt.Audience{srv.URL + "/partner"}, Time: clock.Now(),
	}, 0); err != nil {
		t.Errorf("validate claims: %v", err)
	}
	if diff := cmp.Diff(
		map[string]any{"sub": app.ClientID, "client_id": app.ClientID, "scope": secusers.PermissionReadUsers,
			"lifetime": time.Hour, "jti set": true},
		map[string]any{"sub": std.Subject, "client_id": custom.ClientID, "scope": custom.Scope,
			"lifetime": std.Expiry.Time().Sub(std.IssuedAt.Time()), "jti set": std.ID != ""},
	); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

// keyType is the JWK "kty" of a parsed JWK.
func keyType(k jose.JSONWebKey) string {
	b, err := k.MarshalJSON()
	if err != nil {
		return ""
	}
	var m struct {
		Kty string `json:"kty"`
	}
	_ = json.Unmarshal(b, &m)
	return m.Kty
}

func getJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: got status %d, want 200", resp.Request.URL, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", resp.Request.URL, err)
	}
}
