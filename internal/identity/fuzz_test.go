package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"secusers/internal/secusers"
)

// FuzzTokenRequest throws arbitrary form bodies and Authorization headers at
// the token endpoint: it must never panic or fail with a 500, and every
// answer must be a well-formed OAuth2 response.
func FuzzTokenRequest(f *testing.F) {
	e := newTestEnv(f)
	e.logs.discard = true
	good := form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)
	f.Add(good, "")
	f.Add(form("grant_type", "client_credentials"), basic(e.app.ClientID, e.secret))
	f.Add(form("grant_type", "client_credentials", "client_secret", e.secret), basic(e.app.ClientID, e.secret))
	f.Add(good+"&scope="+secusers.PermissionReadUsers+"+x", "")
	f.Add(good+"&grant_type=x", "")
	f.Add("%", "Basic %")
	f.Add("grant_type=client_credentials;client_id=x", "Basic Og==")
	f.Add("", "Bearer x")
	f.Add(strings.Repeat("a=b&", 100), "Basic "+strings.Repeat("A", 200))
	known := map[string]bool{codeInvalidRequest: true, codeInvalidClient: true, codeUnsupportedGrantType: true, codeInvalidScope: true}
	f.Fuzz(func(t *testing.T, body, authorization string) {
		req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if authorization != "" {
			req.Header["Authorization"] = []string{authorization}
		}
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d, body %q: not JSON: %v", rec.Code, rec.Body, err)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", rec.Header().Get("Cache-Control"))
		}
		switch rec.Code {
		case http.StatusOK:
			if out["token_type"] != "Bearer" {
				t.Errorf("200 without a Bearer token: %v", out)
			}
		case http.StatusBadRequest, http.StatusUnauthorized:
			if code, _ := out["error"].(string); !known[code] {
				t.Errorf("status %d with error %q", rec.Code, code)
			}
			if (rec.Code == http.StatusUnauthorized) != (rec.Header().Get("WWW-Authenticate") != "") {
				t.Errorf("status %d with WWW-Authenticate %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
			}
		default:
			t.Errorf("status: got %d (%v), want 200, 400 or 401", rec.Code, out)
		}
	})
}

// FuzzVerifyAccessToken feeds arbitrary strings to the verifier: it must
// never panic, must refuse with Unauthenticated, and may accept only the
// claims of the one token the service signed (a re-encoding of it at most).
func FuzzVerifyAccessToken(f *testing.F) {
	e := newTestEnv(f)
	ctx := context.Background()
	issued, _, err := e.svc.IssueAccessToken(ctx, e.app, nil)
	if err != nil {
		f.Fatal(err)
	}
	want, err := e.svc.VerifyAccessToken(ctx, issued)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(issued, ".")
	f.Add(issued)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(b64(`{"alg":"none","typ":"at+jwt","kid":"`+sharedKey().ID+`"}`) + "." + parts[1] + ".")
	f.Add(forge(f, jose.HS256, []byte(strings.Repeat("k", 32)), map[jose.HeaderKey]any{"kid": sharedKey().ID, "typ": "at+jwt"},
		goodClaims(e.clock.Now(), e.app.ClientID)))
	f.Add(b64(`{"alg":"RS256","typ":"at+jwt","kid":"../../etc/passwd"}`) + "." + parts[1] + "." + parts[2])
	f.Add(b64(`{"alg":"RS256","crit":["exp"],"typ":"at+jwt","kid":"`+sharedKey().ID+`"}`) + "." + parts[1] + "." + parts[2])
	f.Add("")
	f.Add("..")
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := e.svc.VerifyAccessToken(ctx, raw)
		if err != nil {
			if !secusers.IsKind(err, secusers.Unauthenticated) {
				t.Fatalf("got %v (kind %v), want unauthenticated", err, secusers.KindOf(err))
			}
			return
		}
		if got.ID != want.ID || got.ClientID != want.ClientID || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Fatalf("accepted %q as %+v, which the service never signed", raw, got)
		}
	})
}
