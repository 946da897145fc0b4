package fakegraph

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// testNow is the fixed instant tests generate tenants around.
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

const (
	testClient = "11111111-2222-4333-8444-555555555555"
	testSecret = "abc8Q~not-a-real-secret"
)

// fixture is a served tenant with a registered client.
type fixture struct {
	t      *testing.T
	tenant *Tenant
	server *Server
	http   *httptest.Server
}

func newFixture(t *testing.T, n int, opts ...Option) *fixture {
	t.Helper()
	tenant := Generate(42, n, testNow, GenerateOptions{})
	s := NewServer(tenant, opts...)
	s.RegisterSecret(testClient, testSecret)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &fixture{t: t, tenant: tenant, server: s, http: hs}
}

// token obtains an access token with the client secret.
func (f *fixture) token() string {
	f.t.Helper()
	status, body := f.postToken(url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret},
		"scope": {f.http.URL + "/.default"},
	})
	if status != http.StatusOK {
		f.t.Fatalf("token: got %d %s, want 200", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		f.t.Fatal(err)
	}
	return tok.AccessToken
}

func (f *fixture) postToken(form url.Values) (int, []byte) {
	f.t.Helper()
	resp, err := http.Post(f.http.URL+"/"+f.tenant.EntraTenantID+"/oauth2/v2.0/token",
		"application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// get requests a Graph URL (absolute, or a path on the fixture).
func (f *fixture) get(u, token string) (*http.Response, []byte) {
	f.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = f.http.URL + u
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// walk follows @odata.nextLink from path and returns every item's raw JSON
// and the number of pages.
func (f *fixture) walk(path, token string) (items []json.RawMessage, pages int) {
	f.t.Helper()
	for u := path; u != ""; {
		resp, body := f.get(u, token)
		if resp.StatusCode != http.StatusOK {
			f.t.Fatalf("GET %s: got %d %s, want 200", u, resp.StatusCode, body)
		}
		var page graph.Page[json.RawMessage]
		if err := json.Unmarshal(body, &page); err != nil {
			f.t.Fatalf("GET %s: %v", u, err)
		}
		items = append(items, page.Value...)
		pages++
		u = page.NextLink
	}
	return items, pages
}

// graphErr decodes Graph's error body.
func graphErr(t *testing.T, body []byte) graph.ErrorBody {
	t.Helper()
	var e graph.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a Graph error body: %s", body)
	}
	return e
}
