package identity

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

func decodeJWKS(t testing.TB, resp *http.Response) jose.JSONWebKeySet {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS status: got %d, want 200", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("decode JWKS: %v", err)
	}
	return set
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp := e.get(t, discoveryPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Content-Type"), "application/json; charset=utf-8"; got != want {
		t.Errorf("Content-Type: got %q, want %q", got, want)
	}
	want := map[string]any{
		"issuer":                                testIssuer,
		"token_endpoint":                        testIssuer + "/connect/token",
		"jwks_uri":                              testIssuer + "/.well-known/jwks.json",
		"grant_types_supported":                 []any{"client_credentials"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_post", "client_secret_basic", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []any{"RS256", "PS256", "ES256"},
		"scopes_supported":         []any{"partner.um.user.read.all", "partner.customer.read.all"},
		"response_types_supported": []any{"token"},
	}
	if diff := cmp.Diff(want, decodeJSON(t, resp)); diff != "" {
		t.Errorf("discovery document (-want +got):\n%s", diff)
	}
}

// TestJWKS: the JWKS publishes the active key, RSA or EC, with its
// algorithm, use and kid, and nothing private.
func TestJWKS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		alg    string
		public []string // the members that vary with the key
		want   map[string]any
	}{
		{AlgorithmES256, []string{"x", "y"}, map[string]any{"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256"}},
		{AlgorithmRS256, []string{"n"}, map[string]any{"kty": "RSA", "e": "AQAB", "use": "sig", "alg": "RS256"}},
	} {
		t.Run(tt.alg, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvAlg(t, tt.alg)
			k, resp := jwksKey(t, e)
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if _, ok := k[private]; ok {
					t.Errorf("the JWKS publishes the private member %q", private)
				}
			}
			for _, m := range tt.public {
				if s, _ := k[m].(string); s == "" {
					t.Errorf("the JWK lacks %q", m)
				}
				delete(k, m)
			}
			tt.want["kid"] = e.key.id
			if diff := cmp.Diff(tt.want, k); diff != "" {
				t.Errorf("JWK (-want +got):\n%s", diff)
			}
			if got := resp.Header.Get("Cache-Control"); got == "no-store" || got == "" {
				t.Errorf("Cache-Control: got %q, want a short public max-age", got)
			}
		})
	}
}

// jwksKey fetches the env's JWKS and returns its one key as JSON members.
func jwksKey(t *testing.T, e *testEnv) (map[string]any, *http.Response) {
	t.Helper()
	resp := e.get(t, jwksPath)
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("JWKS %s: %v", raw, err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("keys: got %d, want 1", len(doc.Keys))
	}
	return doc.Keys[0], resp
}

func TestWellKnownMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, path := range []string{discoveryPath, jwksPath} {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: got %d, want 405", path, rec.Code)
		}
	}
}
