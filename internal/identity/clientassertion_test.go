package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// assertionEnv is a testEnv whose app has an RSA and an EC certificate
// registered.
type assertionEnv struct {
	*testEnv
	rsa, ec clientCert
}

func newAssertionEnv(t testing.TB) *assertionEnv {
	t.Helper()
	e := &assertionEnv{testEnv: newTestEnv(t)}
	e.rsa = e.newCert(t, partnerRSAKey())
	e.ec = e.newCert(t, partnerECKey())
	e.registerCert(t, e.app.ClientID, e.rsa)
	e.registerCert(t, e.app.ClientID, e.ec)
	return e
}

func (e *assertionEnv) claims() map[string]any { return assertionClaims(e.clock.Now(), e.app.ClientID) }

// TestClientAssertionSuccess: private_key_jwt with each accepted algorithm,
// the certificate named each way a client library names it.
func TestClientAssertionSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// assertion returns the assertion and extra form pairs.
		assertion func(t *testing.T, e *assertionEnv) (string, []string)
		signedBy  string // "rsa" or "ec": the certificate the token must name
	}{
		{"RS256 by x5t", func(t *testing.T, e *assertionEnv) (string, []string) {
			return signAssertion(t, jose.RS256, e.rsa, e.claims()), nil
		}, "rsa"},
		{"PS256 by x5t#S256", func(t *testing.T, e *assertionEnv) (string, []string) {
			return forge(t, jose.PS256, e.rsa.key, map[jose.HeaderKey]any{"x5t#S256": e.rsa.x5tS256()}, e.claims()), nil
		}, "rsa"},
		{"ES256 by kid in upper-case hex SHA-1", func(t *testing.T, e *assertionEnv) (string, []string) {
			return forge(t, jose.ES256, e.ec.key, map[jose.HeaderKey]any{"kid": e.ec.hexSHA1()}, e.claims()), nil
		}, "ec"},
		{"ES256 by kid in lower-case hex SHA-1", func(t *testing.T, e *assertionEnv) (string, []string) {
			return forge(t, jose.ES256, e.ec.key, map[jose.HeaderKey]any{"kid": strings.ToLower(e.ec.hexSHA1())}, e.claims()), nil
		}, "ec"},
		{"RS256 by kid as base64url SHA-1", func(t *testing.T, e *assertionEnv) (string, []string) {
			return forge(t, jose.RS256, e.rsa.key, map[jose.HeaderKey]any{"kid": e.rsa.x5t()}, e.claims()), nil
		}, "rsa"},
		{"RS256 by kid as base64url SHA-256, x5t as well", func(t *testing.T, e *assertionEnv) (string, []string) {
			return forge(t, jose.RS256, e.rsa.key, map[jose.HeaderKey]any{"kid": e.rsa.x5tS256(), "x5t": e.rsa.x5t()}, e.claims()), nil
		}, "rsa"},
		{"audience is the issuer, in an array, with client_id", func(t *testing.T, e *assertionEnv) (string, []string) {
			c := with(e.claims(), map[string]any{"aud": []string{"https://elsewhere.example", testIssuer}})
			return signAssertion(t, jose.ES256, e.ec, c), []string{"client_id", strings.ToUpper(e.app.ClientID)}
		}, "ec"},
		{"exp at the limit, iat within the leeway ahead", func(t *testing.T, e *assertionEnv) (string, []string) {
			now := e.clock.Now()
			c := with(e.claims(), map[string]any{"exp": now.Add(maxAssertionLifetime).Unix(), "iat": now.Add(30 * time.Second).Unix()})
			return signAssertion(t, jose.RS256, e.rsa, c), nil
		}, "rsa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newAssertionEnv(t)
			assertion, extra := tt.assertion(t, e)
			resp := e.postToken(t, tokenRequestSpec{body: assertionForm(assertion, extra...)})
			body := decodeJSON(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d (%v), want 200", resp.StatusCode, body)
			}
			tok, _ := body["access_token"].(string)
			at, err := e.svc.VerifyAccessToken(context.Background(), tok)
			if err != nil || at.ClientID != e.app.ClientID {
				t.Fatalf("the issued token: got %+v, %v; want one of client %s", at, err, e.app.ClientID)
			}
			signer := map[string]clientCert{"rsa": e.rsa, "ec": e.ec}[tt.signedBy]
			if want := (secusers.CredentialRef{Kind: secusers.CredentialCertificate, ID: signer.hexSHA1()}); at.Credential != want {
				t.Errorf("the token's credential: got %+v, want %+v", at.Credential, want)
			}
			if logs := e.logs.String(); strings.Contains(logs, assertion) || strings.Contains(logs, strings.Split(assertion, ".")[2]) {
				t.Errorf("the log holds the client assertion:\n%s", logs)
			}
		})
	}
}

// TestClientAssertionAbuse is the corpus of assertions an attacker (or a
// broken client) sends: each is refused, with a description that says
// nothing about whether the client or certificate exists unless the
// assertion was signed by the registered certificate's key.
func TestClientAssertionAbuse(t *testing.T) {
	t.Parallel()
	const clientFailed = failedAuth
	tests := []struct {
		name string
		// body returns the request body; it may change the env first.
		body     func(t *testing.T, e *assertionEnv) string
		wantCode string // invalid_client when empty
		wantDesc string // checked when not empty
	}{
		{
			name: "replayed jti",
			body: func(t *testing.T, e *assertionEnv) string {
				a := signAssertion(t, jose.RS256, e.rsa, e.claims())
				if resp := e.postToken(t, tokenRequestSpec{body: assertionForm(a)}); resp.StatusCode != http.StatusOK {
					t.Fatalf("first use: got %d %v, want 200", resp.StatusCode, decodeJSON(t, resp))
				}
				return assertionForm(a)
			},
			wantDesc: "the client assertion has been used before; make a new one, with a new jti, for every request",
		},
		{
			name: "replayed jti in a new assertion",
			body: func(t *testing.T, e *assertionEnv) string {
				c := e.claims()
				if resp := e.postToken(t, tokenRequestSpec{body: assertionForm(signAssertion(t, jose.RS256, e.rsa, c))}); resp.StatusCode != http.StatusOK {
					t.Fatalf("first use: got %d, want 200", resp.StatusCode)
				}
				return assertionForm(signAssertion(t, jose.ES256, e.ec, c))
			},
			wantDesc: "the client assertion has been used before; make a new one, with a new jti, for every request",
		},
		{
			name: "wrong aud",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"aud": "https://login.example/token"})))
			},
			wantDesc: "the client assertion's aud must be the token endpoint " + testIssuer + tokenPath,
		},
		{
			name: "aud is the partner API",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"aud": Audience(testIssuer)})))
			},
			wantDesc: "the client assertion's aud must be the token endpoint " + testIssuer + tokenPath,
		},
		{
			name: "missing aud",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"aud": nil})))
			},
		},
		{
			name: "iss differs from sub",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"iss": uuid.NewString()})))
			},
			wantDesc: descAssertionIssuer,
		},
		{
			name: "sub is not a client id",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"iss": "admin", "sub": "admin"})))
			},
			wantDesc: descAssertionIssuer,
		},
		{
			name: "client_id differs from sub",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, e.claims()), "client_id", uuid.NewString())
			},
			wantDesc: descAssertionClientID,
		},
		{
			name: "expired",
			body: func(t *testing.T, e *assertionEnv) string {
				now := e.clock.Now()
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{
					"iat": now.Add(-10 * time.Minute).Unix(), "exp": now.Add(-assertionLeeway - time.Second).Unix()})))
			},
			wantDesc: "the client assertion has expired",
		},
		{
			name: "exp too far ahead",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"exp": e.clock.Now().Add(time.Hour).Unix()})))
			},
			wantDesc: "the client assertion's exp is too far ahead; at most 10 minutes",
		},
		{
			name: "missing exp",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"exp": nil})))
			},
			wantDesc: "the client assertion has no exp",
		},
		{
			name: "not valid yet",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"nbf": e.clock.Now().Add(3 * time.Minute).Unix()})))
			},
			wantDesc: "the client assertion is not valid yet",
		},
		{
			name: "issued in the future",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"iat": e.clock.Now().Add(3 * time.Minute).Unix()})))
			},
			wantDesc: "the client assertion is not valid yet",
		},
		{
			name: "missing jti",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"jti": nil})))
			},
			wantDesc: "the client assertion has no jti",
		},
		{
			name: "jti with a NUL",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"jti": "a\x00b"})))
			},
			wantDesc: "the client assertion's jti must be printable text",
		},
		{
			name: "jti too long",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"jti": strings.Repeat("j", 300)})))
			},
		},
		{
			name: "signed by an unregistered key",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.ES256, e.newCert(t, otherECKey()), e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "header names a registered certificate, signed by another key",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.RS256, outsiderKey(), map[jose.HeaderKey]any{"x5t": e.rsa.x5t()}, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "kid names a registered certificate, signed by another EC key",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.ES256, otherECKey(), map[jose.HeaderKey]any{"kid": e.ec.hexSHA1()}, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "x5t and kid name different certificates",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.RS256, e.rsa.key, map[jose.HeaderKey]any{"x5t": e.rsa.x5t(), "kid": e.ec.hexSHA1()}, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "no certificate named",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.RS256, e.rsa.key, nil, e.claims()))
			},
			wantDesc: descAssertionKey,
		},
		{
			name: "kid is a path",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.RS256, e.rsa.key, map[jose.HeaderKey]any{"kid": "../../etc/passwd"}, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "the certificate has expired",
			body: func(t *testing.T, e *assertionEnv) string {
				c := clientCert{key: partnerRSAKey(), der: selfSigned(t, partnerRSAKey(), e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour))}
				e.registerCert(t, e.app.ClientID, c)
				e.clock.Advance(2 * time.Hour)
				return assertionForm(signAssertion(t, jose.RS256, c, e.claims()))
			},
			wantDesc: "the certificate that signed the client assertion has expired; register a new one",
		},
		{
			name: "alg none",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(unsignedJWT(t, map[string]any{"alg": "none", "x5t": e.rsa.x5t()}, e.claims()))
			},
			wantDesc: descAssertionAlgorithm,
		},
		{
			name: "HS256 keyed with the certificate",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.HS256, pemOf("CERTIFICATE", e.rsa.der), map[jose.HeaderKey]any{"x5t": e.rsa.x5t()}, e.claims()))
			},
			wantDesc: descAssertionAlgorithm,
		},
		{
			name: "HS256 keyed with the certificate's DER",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.HS256, e.rsa.der, map[jose.HeaderKey]any{"kid": e.rsa.hexSHA1()}, e.claims()))
			},
			wantDesc: descAssertionAlgorithm,
		},
		{
			name: "RS512 is not accepted",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.RS512, e.rsa.key, map[jose.HeaderKey]any{"x5t": e.rsa.x5t()}, e.claims()))
			},
			wantDesc: descAssertionAlgorithm,
		},
		{
			name: "RS256 naming an EC certificate",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.RS256, e.rsa.key, map[jose.HeaderKey]any{"x5t": e.ec.x5t()}, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "ES256 naming an RSA certificate",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(forge(t, jose.ES256, e.ec.key, map[jose.HeaderKey]any{"x5t": e.rsa.x5t()}, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "unknown client",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, assertionClaims(e.clock.Now(), uuid.NewString())))
			},
			wantDesc: clientFailed,
		},
		{
			name: "another app's registered certificate",
			body: func(t *testing.T, e *assertionEnv) string {
				other, _ := e.newApp(t, secusers.PermissionReadUsers)
				c := e.newCert(t, otherECKey())
				e.registerCert(t, other.ClientID, c)
				return assertionForm(signAssertion(t, jose.ES256, c, e.claims()))
			},
			wantDesc: clientFailed,
		},
		{
			name: "disabled app",
			body: func(t *testing.T, e *assertionEnv) string {
				if err := e.sqlite.DisableApp(context.Background(), e.app.ClientID); err != nil {
					t.Fatal(err)
				}
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, e.claims()))
			},
			wantDesc: "the app is disabled",
		},
		{
			name: "payload changed after signing",
			body: func(t *testing.T, e *assertionEnv) string {
				a := signAssertion(t, jose.RS256, e.rsa, e.claims())
				parts := strings.Split(a, ".")
				forged := with(e.claims(), map[string]any{"exp": e.clock.Now().Add(9 * time.Minute).Unix()})
				return assertionForm(parts[0] + "." + b64(mustJSON(t, forged)) + "." + parts[2])
			},
			wantDesc: clientFailed,
		},
		{
			name:     "not a JWT",
			body:     func(t *testing.T, e *assertionEnv) string { return assertionForm("not-a-jwt") },
			wantDesc: descAssertionMalformed,
		},
		{
			name:     "JWE-shaped",
			body:     func(t *testing.T, e *assertionEnv) string { return assertionForm("a.b.c.d.e") },
			wantDesc: descAssertionMalformed,
		},
		{
			name: "too long",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, with(e.claims(), map[string]any{"pad": strings.Repeat("x", maxAssertionLength)})))
			},
			wantDesc: descAssertionMalformed,
		},
		{
			name: "wrong assertion type",
			body: func(t *testing.T, e *assertionEnv) string {
				return form("grant_type", "client_credentials", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
					"client_assertion", signAssertion(t, jose.RS256, e.rsa, e.claims()))
			},
			wantCode: codeInvalidRequest,
		},
		{
			name: "assertion type without an assertion",
			body: func(t *testing.T, e *assertionEnv) string {
				return form("grant_type", "client_credentials", "client_assertion_type", clientAssertionType)
			},
			wantCode: codeInvalidRequest,
		},
		{
			name: "assertion and a client secret",
			body: func(t *testing.T, e *assertionEnv) string {
				return assertionForm(signAssertion(t, jose.RS256, e.rsa, e.claims()), "client_id", e.app.ClientID, "client_secret", e.secret)
			},
			wantCode: codeInvalidRequest, wantDesc: "the request uses more than one client authentication method",
		},
		{
			name: "repeated assertion",
			body: func(t *testing.T, e *assertionEnv) string {
				a := signAssertion(t, jose.RS256, e.rsa, e.claims())
				return assertionForm(a, "client_assertion", a)
			},
			wantCode: codeInvalidRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newAssertionEnv(t)
			body := tt.body(t, e)
			want := tt.wantCode
			if want == "" {
				want = codeInvalidClient
			}
			checkErrorResponse(t, e.postToken(t, tokenRequestSpec{body: body}), http.StatusBadRequest, want, tt.wantDesc)
		})
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestClientAssertionReplayAcrossServers: a jti spent on one server is
// refused by another on the same database.
func TestClientAssertionReplayAcrossServers(t *testing.T) {
	t.Parallel()
	e := newAssertionEnv(t)
	second := e.handlerFor(e.newService(t))
	a := signAssertion(t, jose.RS256, e.rsa, e.claims())
	if resp := e.postToken(t, tokenRequestSpec{body: assertionForm(a)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("first server: got %d %v, want 200", resp.StatusCode, decodeJSON(t, resp))
	}
	resp := postTo(t, second, tokenRequestSpec{body: assertionForm(a)})
	checkErrorResponse(t, resp, http.StatusBadRequest, codeInvalidClient,
		"the client assertion has been used before; make a new one, with a new jti, for every request")
}

// TestClientAssertionReplayAfterExpiry: the jti record outlives the
// assertion's exp by the leeway, during which the assertion still passes
// the exp check.
func TestClientAssertionReplayAfterExpiry(t *testing.T) {
	t.Parallel()
	e := newAssertionEnv(t)
	a := signAssertion(t, jose.RS256, e.rsa, e.claims())
	if resp := e.postToken(t, tokenRequestSpec{body: assertionForm(a)}); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: got %d, want 200", resp.StatusCode)
	}
	for _, after := range []time.Duration{5*time.Minute + 30*time.Second, assertionLeeway + time.Second} {
		e.clock.Advance(after)
		resp := e.postToken(t, tokenRequestSpec{body: assertionForm(a)})
		body := decodeJSON(t, resp)
		if resp.StatusCode != http.StatusBadRequest || body["error"] != codeInvalidClient {
			t.Errorf("replay %v later: got %d %v, want 400 invalid_client", after, resp.StatusCode, body)
		}
	}
}
