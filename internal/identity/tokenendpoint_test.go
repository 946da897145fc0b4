package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// form builds a form body from name/value pairs, keeping repeats.
func form(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v.Encode()
}

// basic is an Authorization header for client_secret_basic, with id and
// secret form-urlencoded first as RFC 6749 §2.3.1 requires.
func basic(id, secret string) string {
	raw := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(raw))
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	const grant = "client_credentials"
	tests := []struct {
		name string
		// setup prepares the env and returns the request to send.
		setup      func(t *testing.T, e *testEnv) tokenRequestSpec
		wantStatus int
		wantCode   string
		wantDesc   string // checked when not empty
	}{
		{
			name: "missing grant_type",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request", wantDesc: "grant_type is required",
		},
		{
			name: "empty grant_type counts as missing",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", "", "client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "bad grant type",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", "password", "client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "unsupported_grant_type",
		},
		{
			name: "no client authentication",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant)}
			},
			wantStatus: 400, wantCode: "invalid_client",
		},
		{
			name: "client id without secret",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID)}
			},
			wantStatus: 400, wantCode: "invalid_client",
		},
		{
			name: "both authentication methods",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{
					body:          form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret),
					authorization: basic(e.app.ClientID, e.secret),
				}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "wrong secret via post",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret+"x")}
			},
			wantStatus: 400, wantCode: "invalid_client", wantDesc: failedAuth,
		},
		{
			name: "wrong secret via basic",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, "nope")}
			},
			wantStatus: 401, wantCode: "invalid_client", wantDesc: failedAuth,
		},
		{
			name: "secret of another app",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				_, other := e.newApp(t, secusers.PermissionReadUsers)
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", other)}
			},
			wantStatus: 400, wantCode: "invalid_client", wantDesc: failedAuth,
		},
		{
			name: "expired secret",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				e.clock.Advance(366 * 24 * time.Hour)
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_client", wantDesc: "the client secret has expired",
		},
		{
			name: "expired secret via basic",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				e.clock.Advance(366 * 24 * time.Hour)
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, e.secret)}
			},
			wantStatus: 401, wantCode: "invalid_client", wantDesc: "the client secret has expired",
		},
		{
			name: "disabled app",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				if err := e.sqlite.DisableApp(context.Background(), e.app.ClientID); err != nil {
					t.Fatal(err)
				}
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_client", wantDesc: "the app is disabled",
		},
		{
			name: "disabled app via basic",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				if err := e.sqlite.DisableApp(context.Background(), e.app.ClientID); err != nil {
					t.Fatal(err)
				}
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, e.secret)}
			},
			wantStatus: 401, wantCode: "invalid_client",
		},
		{
			name: "unknown client",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", uuid.NewString(), "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_client", wantDesc: failedAuth,
		},
		{
			name: "client id that is not a GUID",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", "../admin", "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_client", wantDesc: failedAuth,
		},
		{
			name: "scope not granted",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret,
					"scope", secusers.PermissionReadCustomers)}
			},
			wantStatus: 400, wantCode: "invalid_scope",
		},
		{
			name: "unknown scope next to a granted one",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret,
					"scope", secusers.PermissionReadUsers+` "evil\scope`)}
			},
			wantStatus: 400, wantCode: "invalid_scope", wantDesc: "the scope '?evil?scope' is not granted to the app",
		},
		{
			name: "wrong content type",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{
					body:        `{"grant_type":"client_credentials"}`,
					contentType: "application/json",
				}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "content type with charset is fine but multipart is not",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), contentType: "multipart/form-data; boundary=x"}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "oversized body",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				body := form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret) +
					"&padding=" + strings.Repeat("a", maxBodyBytes)
				return tokenRequestSpec{body: body}
			},
			wantStatus: 400, wantCode: "invalid_request", wantDesc: "the request body is larger than 64 KiB",
		},
		{
			name: "repeated grant_type",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "grant_type", grant,
					"client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request", wantDesc: "the parameter grant_type is repeated",
		},
		{
			name: "repeated client_secret",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID,
					"client_secret", "guess", "client_secret", e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "malformed form",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: "grant_type=client_credentials&client_id=%zz"}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "basic credentials not form-encoded",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				raw := base64.StdEncoding.EncodeToString([]byte(e.app.ClientID + ":100%sure"))
				return tokenRequestSpec{body: form("grant_type", grant), authorization: "Basic " + raw}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "basic header that is not base64",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: "Basic !!!"}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		// Another scheme than Basic is an attempt to authenticate through
		// the Authorization header all the same: RFC 6749 §5.2's 401 with
		// the challenge of the scheme the endpoint accepts.
		{
			name: "bearer instead of basic",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: "Bearer abc"}
			},
			wantStatus: 401, wantCode: "invalid_client", wantDesc: "the Authorization header must use the Basic scheme (client_secret_basic)",
		},
		{
			name: "digest instead of basic",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant),
					authorization: `Digest username="` + e.app.ClientID + `", realm="secusers", nonce="x", uri="/connect/token", response="y"`}
			},
			wantStatus: 401, wantCode: "invalid_client",
		},
		{
			name: "a scheme alone",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: "Negotiate"}
			},
			wantStatus: 401, wantCode: "invalid_client",
		},
		{
			name: "bearer beside good client_secret_post credentials",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret),
					authorization: "Bearer abc"}
			},
			wantStatus: 401, wantCode: "invalid_client",
		},
		{
			name: "client_id in the body differs from basic, in upper case",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", strings.ToUpper(uuid.NewString())),
					authorization: basic(e.app.ClientID, e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "client_id in the body not a GUID, basic's is",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", "{"+e.app.ClientID+"}"),
					authorization: basic(e.app.ClientID, e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
		{
			name: "client_id in the body differs from basic",
			setup: func(t *testing.T, e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", uuid.NewString()),
					authorization: basic(e.app.ClientID, e.secret)}
			},
			wantStatus: 400, wantCode: "invalid_request",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resp := e.postToken(t, tt.setup(t, e))
			checkErrorResponse(t, resp, tt.wantStatus, tt.wantCode, tt.wantDesc)
			if strings.Contains(e.logs.String(), e.secret) {
				t.Errorf("the log holds the client secret:\n%s", e.logs)
			}
		})
	}
}

// checkErrorResponse checks an RFC 6749 §5.2 error response: status, code,
// description (when want is set), the no-cache headers, and the Basic
// challenge exactly on a 401.
func checkErrorResponse(t *testing.T, resp *http.Response, wantStatus int, wantCode, wantDesc string) {
	t.Helper()
	if resp.StatusCode != wantStatus {
		t.Errorf("status: got %d, want %d", resp.StatusCode, wantStatus)
	}
	body := decodeJSON(t, resp)
	if got := body["error"]; got != wantCode {
		t.Errorf("error: got %v, want %q (body %v)", got, wantCode, body)
	}
	desc, _ := body["error_description"].(string)
	if wantDesc != "" && desc != wantDesc {
		t.Errorf("error_description: got %q, want %q", desc, wantDesc)
	}
	for _, c := range desc {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Errorf("error_description %q has %q, outside RFC 6749's character set", desc, c)
		}
	}
	wantHeaders := map[string]string{
		"Cache-Control":    "no-store",
		"Pragma":           "no-cache",
		"Content-Type":     "application/json; charset=utf-8",
		"WWW-Authenticate": "",
	}
	if wantStatus == http.StatusUnauthorized {
		wantHeaders["WWW-Authenticate"] = `Basic realm="secusers"`
	}
	gotHeaders := map[string]string{}
	for name := range wantHeaders {
		gotHeaders[name] = resp.Header.Get(name)
	}
	if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func TestTokenSuccess(t *testing.T) {
	t.Parallel()
	const grant = "client_credentials"
	// A secret with characters that form-encoding changes ('+' would read
	// as a space if the client forgot to escape it).
	const oddSecret = "p+a ss:w%rd/&=ü"
	tests := []struct {
		name      string
		spec      func(e *testEnv) tokenRequestSpec
		perms     []string // of a second app when set; the env's app otherwise
		odd       bool     // the request authenticates with oddSecret, not the app's own secret
		wantScope string
	}{
		{
			name: "client_secret_post",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name: "client_secret_basic",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, e.secret)}
			},
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name: "client_secret_basic with a secret that needs form-encoding",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant), authorization: basic(e.app.ClientID, oddSecret)}
			},
			odd:       true,
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name: "client_secret_post with a secret that needs form-encoding",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", oddSecret)}
			},
			odd:       true,
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name: "basic with the same client_id in the body",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID), authorization: basic(e.app.ClientID, e.secret)}
			},
			wantScope: secusers.PermissionReadUsers,
		},
		{
			// Every method reads a client id in any letter case, so the
			// two are compared as GUIDs, not as strings.
			name: "basic with the same client_id in the body, in another letter case",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", strings.ToUpper(e.app.ClientID)),
					authorization: basic(e.app.ClientID, e.secret)}
			},
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name: "basic with an upper-case client id, the body's in lower case",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID),
					authorization: basic(strings.ToUpper(e.app.ClientID), e.secret)}
			},
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name: "content type with charset, upper-case client id",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{
					body:        form("grant_type", grant, "client_id", strings.ToUpper(e.app.ClientID), "client_secret", e.secret),
					contentType: "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
				}
			},
			wantScope: secusers.PermissionReadUsers,
		},
		{
			name:  "scope omitted means every granted scope",
			perms: []string{secusers.PermissionReadUsers, secusers.PermissionReadCustomers},
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret)}
			},
			wantScope: secusers.PermissionReadUsers + " " + secusers.PermissionReadCustomers,
		},
		{
			name:  "a subset of the granted scopes, repeats and extra spaces tolerated",
			perms: []string{secusers.PermissionReadUsers, secusers.PermissionReadCustomers},
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret,
					"scope", " "+secusers.PermissionReadCustomers+"  "+secusers.PermissionReadCustomers)}
			},
			wantScope: secusers.PermissionReadCustomers,
		},
		{
			name: "unknown parameters are ignored",
			spec: func(e *testEnv) tokenRequestSpec {
				return tokenRequestSpec{body: form("grant_type", grant, "client_id", e.app.ClientID, "client_secret", e.secret,
					"resource", "x", "resource", "y")}
			},
			wantScope: secusers.PermissionReadUsers,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			if tt.perms != nil {
				e.app, e.secret = e.newApp(t, tt.perms...)
			}
			e.addSecret(t, e.app.ClientID, oddSecret)
			resp := e.postToken(t, tt.spec(e))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %v)", resp.StatusCode, decodeJSON(t, resp))
			}
			for name, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache",
				"Content-Type": "application/json; charset=utf-8"} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
			}
			body := decodeJSON(t, resp)
			tok, _ := body["access_token"].(string)
			delete(body, "access_token")
			want := map[string]any{"token_type": "Bearer", "expires_in": 3600.0, "scope": tt.wantScope}
			if diff := cmp.Diff(want, body); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			at, err := e.svc.VerifyAccessToken(context.Background(), tok)
			if err != nil {
				t.Fatalf("VerifyAccessToken of the issued token: %v", err)
			}
			secret := e.secret
			if tt.odd {
				secret = oddSecret
			}
			wantAT := secusers.AccessToken{
				ClientID:   e.app.ClientID,
				Scopes:     strings.Fields(tt.wantScope),
				IssuedAt:   e.clock.Now(),
				ExpiresAt:  e.clock.Now().Add(time.Hour),
				Credential: secusers.CredentialRef{Kind: secusers.CredentialSecret, ID: e.secretID(t, e.app.ClientID, secret)},
			}
			if diff := cmp.Diff(wantAT, at, cmpopts.IgnoreFields(secusers.AccessToken{}, "ID"), cmpopts.EquateApproxTime(0)); diff != "" {
				t.Errorf("verified token (-want +got):\n%s", diff)
			}
			if _, err := uuid.Parse(at.ID); err != nil {
				t.Errorf("jti %q: got %v, want a UUID", at.ID, err)
			}
			logs := e.logs.String()
			if !strings.Contains(logs, "clientId="+e.app.ClientID) {
				t.Errorf("the request's log line lacks the client id:\n%s", logs)
			}
			for _, secret := range []string{e.secret, oddSecret, tok} {
				if strings.Contains(logs, secret) {
					t.Errorf("the log holds a secret or token %q:\n%s", secret, logs)
				}
			}
		})
	}
}

// TestTokenStoreFailures: a store outage is a 503 with the partner API's
// Retry-After, whichever way the client authenticates (a Basic client gets
// no challenge: its credentials were not refused); any other fault is a
// 500; neither shows its cause.
func TestTokenStoreFailures(t *testing.T) {
	t.Parallel()
	unavailable := secusers.Wrap(secusers.Unavailable, errors.New("dial tcp: refused"), "the database is down")
	internal := errors.New("disk says: secret internals")
	retry := strconv.Itoa(secusers.RetryAfterUnavailable)
	requests := map[string]func(t *testing.T, e *assertionEnv) tokenRequestSpec{
		"client_secret_post": func(_ *testing.T, e *assertionEnv) tokenRequestSpec {
			return tokenRequestSpec{body: form("grant_type", "client_credentials", "client_id", e.app.ClientID, "client_secret", e.secret)}
		},
		"client_secret_basic": func(_ *testing.T, e *assertionEnv) tokenRequestSpec {
			return tokenRequestSpec{body: form("grant_type", "client_credentials"), authorization: basic(e.app.ClientID, e.secret)}
		},
		"private_key_jwt": func(t *testing.T, e *assertionEnv) tokenRequestSpec {
			return tokenRequestSpec{body: assertionForm(signAssertion(t, jose.RS256, e.rsa, e.claims()))}
		},
	}
	tests := []struct {
		name       string
		fault      error
		wantStatus int
		wantCode   string
		wantRetry  string
		wantLog    string // the message of the fault's log line
	}{
		{"store unavailable", unavailable, http.StatusServiceUnavailable, "temporarily_unavailable", retry, `msg="store unavailable"`},
		{"internal fault", internal, http.StatusInternalServerError, "server_error", "", `msg="internal error"`},
	}
	for _, tt := range tests {
		for method, request := range requests {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				t.Parallel()
				e := newAssertionEnv(t)
				e.store.setFault(tt.fault)
				resp := e.postToken(t, request(t, e))
				got := map[string]string{"Retry-After": resp.Header.Get("Retry-After"), "WWW-Authenticate": resp.Header.Get("WWW-Authenticate")}
				if diff := cmp.Diff(map[string]string{"Retry-After": tt.wantRetry, "WWW-Authenticate": ""}, got); diff != "" {
					t.Errorf("headers (-want +got):\n%s", diff)
				}
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
				}
				body := decodeJSON(t, resp)
				if body["error"] != tt.wantCode {
					t.Errorf("error: got %v, want %q", body["error"], tt.wantCode)
				}
				if desc, _ := body["error_description"].(string); strings.Contains(desc, "refused") || strings.Contains(desc, "internals") {
					t.Errorf("error_description %q leaks the cause", desc)
				}
				if line := logLine(e.logs.String(), tt.wantLog); !strings.Contains(line, "requestId="+resp.Header.Get("request-id")) {
					t.Errorf("the fault was not logged with the request id %q:\n%s", resp.Header.Get("request-id"), e.logs)
				}
			})
		}
	}
}

// TestTokenStoreDeadline: a store that stops answering is a prompt 503
// with Retry-After, however the store reports the interruption.
func TestTokenStoreDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hang func(ctx context.Context) error
	}{
		{"context error", func(ctx context.Context) error { return ctx.Err() }},
		// How a driver may report an interrupted query: not a context
		// error, and classified as an internal fault by the store.
		{"interrupted", func(context.Context) error {
			return secusers.Wrap(secusers.Internal, errors.New("interrupted (9)"), "")
		}},
		{"unavailable", func(ctx context.Context) error {
			return secusers.Wrap(secusers.Unavailable, ctx.Err(), "the database cannot be reached")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			h := e.handlerFor(e.newServiceWith(t, func(c *Config) { c.StoreTimeout = 50 * time.Millisecond }))
			e.store.mu.Lock()
			e.store.hang = tt.hang
			e.store.mu.Unlock()
			// The client gives up after 3 s: without the store timeout the
			// request would end then, as a failure of the client's.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, tokenPath, strings.NewReader(form("grant_type", "client_credentials",
				"client_id", e.app.ClientID, "client_secret", e.secret)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			resp := rec.Result()
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v, want about the 50ms deadline", took)
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("status: got %d, want 503", resp.StatusCode)
			}
			if got, want := resp.Header.Get("Retry-After"), strconv.Itoa(secusers.RetryAfterUnavailable); got != want {
				t.Errorf("Retry-After: got %q, want %q", got, want)
			}
			if body := decodeJSON(t, resp); body["error"] != codeTemporarilyUnavailable {
				t.Errorf("error: got %v, want %s", body["error"], codeTemporarilyUnavailable)
			}
		})
	}
}

// TestTokenDeadlineError checks which failures the deadline turns into a
// store outage.
func TestTokenDeadlineError(t *testing.T) {
	t.Parallel()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	live := context.Background()
	refused := invalidScope("no")
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want secusers.Kind
	}{
		{"deadline error, live ctx", live, context.DeadlineExceeded, secusers.Unavailable},
		{"internal fault after the deadline", expired, errors.New("interrupted"), secusers.Unavailable},
		{"a refusal that came in time stays", expired, refused, secusers.Internal},
		{"a 404 that came in time stays", expired, secusers.Errorf(secusers.NotFound, "gone"), secusers.NotFound},
		{"a client that went away is no 503", canceled, context.Canceled, secusers.Internal},
		{"a fault without a deadline stays", live, errors.New("disk"), secusers.Internal},
	}
	for _, tt := range tests {
		if got := secusers.KindOf(deadlineError(tt.ctx, tt.err)); got != tt.want {
			t.Errorf("%s: got kind %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := deadlineError(expired, refused); got != error(refused) {
		t.Errorf("a refusal after the deadline: got %v, want it unchanged", got)
	}
}

func TestTokenMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp := e.get(t, tokenPath)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: got %d, want 405", tokenPath, resp.StatusCode)
	}
}
