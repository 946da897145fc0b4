package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
)

// faultMarker is in the cause of every injected fault, so that the test
// finds the log line that reports it.
const faultMarker = "injected fault 7f3a"

// faultingStore fails, while failing is set, ClientSecrets with a plain
// error, an internal fault: the token endpoint reads the secrets to check
// the client's, the partner API to check that the token's credential still
// stands.
type faultingStore struct {
	secusers.Store
	failing atomic.Bool
}

func (s *faultingStore) ClientSecrets(ctx context.Context, clientID string) ([]secusers.ClientSecret, error) {
	if s.failing.Load() {
		return nil, errors.New(faultMarker)
	}
	return s.Store.ClientSecrets(ctx, clientID)
}

// TestFaultLogsHaveTheRequestID checks that the log line of a fault,
// written deep in a handler (the partner API's and the token endpoint's
// error writers, the panic recovery), carries the request id of the
// response, though none of them adds it: the server's logger does.
func TestFaultLogsHaveTheRequestID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		request func(t *testing.T, rs *running, st *faultingStore, d demo.Result) *http.Response
		wantMsg string // the message of the fault's line
	}{
		{"partner API", func(t *testing.T, rs *running, st *faultingStore, d demo.Result) *http.Response {
			tok := tokenFor(t, rs.url, d.ClientID, d.ClientSecret)
			st.failing.Store(true)
			req, err := http.NewRequest(http.MethodGet, rs.url+"/partner/external/v3/um/customers/"+d.CustomerID+
				"/tenants/"+d.TenantID+"/overview/security/users/batch", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, _ := do(t, req)
			return resp
		}, "request failed"},
		{"token endpoint", func(t *testing.T, rs *running, st *faultingStore, d demo.Result) *http.Response {
			st.failing.Store(true)
			resp, _ := postForm(t, rs.url+"/connect/token", url.Values{"grant_type": {"client_credentials"},
				"client_id": {d.ClientID}, "client_secret": {d.ClientSecret}})
			return resp
		}, "internal error"},
		{"panic", func(t *testing.T, rs *running, _ *faultingStore, _ demo.Result) *http.Response {
			resp, _ := get(t, rs.url+"/boom")
			return resp
		}, "request failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &faultingStore{Store: openStore(t)}
			d, err := demo.Ensure(context.Background(), st.Store, time.Now(), demo.Config{Users: 5, Seed: 1})
			if err != nil {
				t.Fatalf("demo data: %v", err)
			}
			rs := startWith(t, func(c *server.Config) {
				c.Store = st
				c.Routes = func(mux *http.ServeMux) {
					mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic(faultMarker) })
				}
			})
			resp := tc.request(t, rs, st, d)
			if resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status: got %d, want 500", resp.StatusCode)
			}
			id := resp.Header.Get("request-id")
			line := faultLine(t, rs.logs.String(), tc.wantMsg)
			if line["requestId"] != id || id == "" {
				t.Errorf("requestId: got %v, want the response's %q; the line: %v", line["requestId"], id, line)
			}
		})
	}
}

// faultLine returns the JSON log line with the message msg that reports
// the injected fault.
func faultLine(t *testing.T, logs, msg string) map[string]any {
	t.Helper()
	for l := range strings.SplitSeq(logs, "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) == nil && line["msg"] == msg && strings.Contains(l, faultMarker) {
			return line
		}
	}
	t.Fatalf("no line %q reporting the fault; logs:\n%s", msg, logs)
	return nil
}

// tokenFor gets an access token from the server at base with the client
// secret.
func tokenFor(t *testing.T, base, clientID, secret string) string {
	t.Helper()
	resp, body := postForm(t, base+"/connect/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {clientID}, "client_secret": {secret}})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: got %d %s, want 200 with a token", resp.StatusCode, body)
	}
	return tok.AccessToken
}

func postForm(t *testing.T, target string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}
