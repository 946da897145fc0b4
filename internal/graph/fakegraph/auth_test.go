package fakegraph

import (
	"net/http"
	"strings"
	"testing"
)

func TestReadsNeedAToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 5)
	other := newFixture(t, 5) // the same tenant, another server and key
	foreign := other.token()
	for _, tc := range []struct{ name, token, message string }{
		{"no token", "", "Access token is empty."},
		{"garbage", "garbage", "IDX14100"},
		{"another server's token", foreign, "Access token validation failure."},
	} {
		for _, e := range Reads {
			resp, body := f.get(readPaths[e], tc.token)
			ge := graphErr(t, body)
			if resp.StatusCode != http.StatusUnauthorized || ge.Error.Code != "InvalidAuthenticationToken" ||
				!strings.Contains(ge.Error.Message, tc.message) || !strings.Contains(string(body), `"innerError":{"date"`) {
				t.Errorf("%s, %s: got %d %s, want 401 InvalidAuthenticationToken %q", tc.name, e, resp.StatusCode, body, tc.message)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") || resp.Header.Get("request-id") == "" {
				t.Errorf("%s, %s: headers %v lack Graph's challenge or request-id", tc.name, e, resp.Header)
			}
		}
	}
	if got := f.server.Stats(AllReads); got.Requests != 18 || got.Failed != 18 {
		t.Errorf("stats: got %+v, want 18 requests, 18 failed", got)
	}
}

func TestClientRequestIDEchoed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 5)
	req, _ := http.NewRequest(http.MethodGet, f.http.URL+"/v1.0/users", nil)
	req.Header.Set("client-request-id", "c0ffee")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("client-request-id"); got != "c0ffee" {
		t.Errorf("client-request-id: got %q, want c0ffee", got)
	}
}
