package identity

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/secusers"
)

// FuzzTokenRequest throws arbitrary form bodies and Authorization headers at
// the token endpoint: it must never panic or fail with a 500, every answer
// must be a well-formed OAuth2 response, and invalid_client must be a 401
// exactly when the request has an Authorization header.
func FuzzTokenRequest(f *testing.F) {
	e := newAssertionEnv(f)
	e.logs.discard = true
	e.store.forgetAssertions = true // a spent jti would make the seeds' outcome change between runs
	good := form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)
	assertion := signAssertion(f, jose.RS256, e.rsa, e.claims())
	f.Add(assertionForm(assertion), "")
	f.Add(assertionForm(assertion, "client_id", e.app.ClientID), "")
	f.Add(assertionForm(assertion), basic(e.app.ClientID, e.secret))
	f.Add(assertionForm(forge(f, jose.ES256, e.ec.key, map[jose.HeaderKey]any{"kid": e.ec.hexSHA1()}, e.claims())), "")
	f.Add(assertionForm(unsignedJWT(f, map[string]any{"alg": "none", "x5t": e.rsa.x5t()}, e.claims())), "")
	f.Add(form("grant_type", "client_credentials", "client_assertion_type", clientAssertionType, "client_assertion", "a.b.c"), "")
	f.Add(form("grant_type", "client_credentials", "client_assertion", assertion), "")
	f.Add(good, "")
	f.Add(form("grant_type", "client_credentials"), basic(e.app.ClientID, e.secret))
	f.Add(form("grant_type", "client_credentials", "client_secret", e.secret), basic(e.app.ClientID, e.secret))
	f.Add(good+"&scope="+secusers.PermissionReadUsers+"+x", "")
	f.Add(good+"&grant_type=x", "")
	f.Add("%", "Basic %")
	f.Add("grant_type=client_credentials;client_id=x", "Basic Og==")
	f.Add("", "Bearer x")
	f.Add(good, "Digest username=x")
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
			// RFC 6749 §5.2: a client that tried the Authorization header
			// and failed to authenticate gets a 401, whatever the scheme.
			if out["error"] == codeInvalidClient && (rec.Code == http.StatusUnauthorized) != (authorization != "") {
				t.Errorf("invalid_client with status %d, Authorization %q", rec.Code, authorization)
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
	issued, _, err := e.svc.IssueAccessToken(ctx, e.app, testCred, nil)
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
	f.Add(b64(`{"alg":"none","typ":"at+jwt","kid":"`+e.key.id+`"}`) + "." + parts[1] + ".")
	f.Add(forge(f, jose.HS256, []byte(strings.Repeat("k", 32)), map[jose.HeaderKey]any{"kid": e.key.id, "typ": "at+jwt"},
		goodClaims(e.clock.Now(), e.app.ClientID)))
	f.Add(b64(`{"alg":"ES256","typ":"at+jwt","kid":"../../etc/passwd"}`) + "." + parts[1] + "." + parts[2])
	f.Add(b64(`{"alg":"ES256","crit":["exp"],"typ":"at+jwt","kid":"`+e.key.id+`"}`) + "." + parts[1] + "." + parts[2])
	f.Add(b64(`{"alg":"RS256","typ":"at+jwt","kid":"`+e.key.id+`"}`) + "." + parts[1] + "." + parts[2])
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

// FuzzClientAssertion feeds arbitrary strings to the client assertion
// parser and verifier: they must never panic, must refuse with
// invalid_client (or a server fault, never), and may accept only an
// assertion the app's registered certificate signed.
func FuzzClientAssertion(f *testing.F) {
	e := newAssertionEnv(f)
	e.logs.discard = true
	e.store.forgetAssertions = true
	good := signAssertion(f, jose.RS256, e.rsa, e.claims())
	parts := strings.Split(good, ".")
	f.Add(good)
	f.Add(forge(f, jose.PS256, e.rsa.key, map[jose.HeaderKey]any{"x5t#S256": e.rsa.x5tS256()}, e.claims()))
	f.Add(forge(f, jose.ES256, e.ec.key, map[jose.HeaderKey]any{"kid": e.ec.hexSHA1()}, e.claims()))
	f.Add(forge(f, jose.ES256, e.ec.key, map[jose.HeaderKey]any{"x5t": e.rsa.x5t()}, e.claims()))
	f.Add(unsignedJWT(f, map[string]any{"alg": "none", "x5t": e.rsa.x5t()}, e.claims()))
	f.Add(b64(`{"alg":"RS256","x5t":"`+e.rsa.x5t()+`","crit":["exp"]}`) + "." + parts[1] + "." + parts[2])
	f.Add(b64(`{"alg":"RS256","x5t":7,"kid":["a"]}`) + "." + parts[1] + "." + parts[2])
	f.Add(b64(`{"alg":"RS256","x5c":["AAAA"],"x5t":"`+e.rsa.x5t()+`"}`) + "." + parts[1] + "." + parts[2])
	f.Add(parts[0] + "." + b64(`{"iss":1,"sub":[],"aud":{},"exp":"x"}`) + "." + parts[2])
	f.Add("")
	f.Add("..")
	f.Add("a.b.c.d.e")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string) {
		ca, err := parseClientAssertion(raw)
		if err == nil {
			if _, ok := secusers.ParseGUID(ca.clientID); !ok {
				t.Fatalf("parsed client id %q is not a GUID", ca.clientID)
			}
			var app secusers.App
			var cred secusers.CredentialRef
			app, cred, err = e.svc.verifyAssertion(ctx, ca)
			if err == nil {
				if app.ClientID != e.app.ClientID {
					t.Fatalf("accepted %q for client %s", raw, app.ClientID)
				}
				if cred.Kind != secusers.CredentialCertificate || cred.Validate() != nil {
					t.Fatalf("accepted %q with credential %+v, want a certificate", raw, cred)
				}
				return
			}
		}
		var oe *oauthError
		if !errors.As(err, &oe) || oe.code != codeInvalidClient {
			t.Fatalf("got %v, want invalid_client", err)
		}
	})
}
