package fakegraph

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzJSONString: the hand-written string encoder agrees with encoding/json
// on every input, invalid UTF-8 included.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\s`, "tab\tnl\n\x00\x1f", "Zoë – Łukasz", "\xff\xfe", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := &enc{}
		e.str(s)
		var got string
		if err := json.Unmarshal(e.buf, &got); err != nil {
			t.Fatalf("%q encoded as %s: %v", s, e.buf, err)
		}
		want, _ := json.Marshal(s)
		var wantS string
		_ = json.Unmarshal(want, &wantS)
		if got != wantS {
			t.Errorf("%q: got %q, want %q", s, got, wantS)
		}
	})
}

// FuzzReadQuery: any query string on any read is a page or Graph's 400,
// never a panic or a 500, and a page is JSON.
func FuzzReadQuery(f *testing.F) {
	for _, q := range []string{"", "$top=3", "$select=id,signInActivity&$top=500", "$skiptoken=AAAA", "$top=-1", "$select=,,", "$filter=x", "%zz"} {
		f.Add(uint8(1), q)
	}
	s := NewServer(Generate(1, 60, testNow, GenerateOptions{}))
	tok, err := s.issueAccessToken(testClient)
	if err != nil {
		f.Fatal(err)
	}
	paths := []string{"/v1.0/domains", "/v1.0/users", "/v1.0/reports/authenticationMethods/userRegistrationDetails",
		"/v1.0/identityProtection/riskyUsers", "/v1.0/deviceManagement/managedDevices", "/v1.0/directory/deletedItems/microsoft.graph.user"}
	f.Fuzz(func(t *testing.T, read uint8, q string) {
		req := httptest.NewRequest(http.MethodGet, "http://graph.fake/", nil)
		req.URL.Path, req.URL.RawQuery = paths[int(read)%len(paths)], q
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("?%s: got %d %s", q, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("?%s: not JSON: %s", q, w.Body)
		}
	})
}

// FuzzTokenRequest: any form is a token or one of Entra's errors.
func FuzzTokenRequest(f *testing.F) {
	for _, form := range []string{"", "grant_type=client_credentials&client_id=" + testClient + "&client_secret=" + testSecret + "&scope=https://graph.microsoft.com/.default",
		"grant_type=client_credentials&client_assertion_type=" + jwtBearer + "&client_assertion=a.b.c&scope=x/.default", "%"} {
		f.Add(form)
	}
	tn := Generate(1, 1, testNow, GenerateOptions{})
	s := NewServer(tn)
	s.RegisterSecret(testClient, testSecret)
	f.Fuzz(func(t *testing.T, form string) {
		req := httptest.NewRequest(http.MethodPost, "http://login.fake/"+tn.EntraTenantID+"/oauth2/v2.0/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("%q: got %d %s", form, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%q: not JSON: %s", form, w.Body)
		}
	})
}
