package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden pins representative responses byte for byte: the field order
// and names of the wire format, the headers, and the error body. The
// request id, random per request, is replaced by a placeholder.
func TestGolden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Changes to show: ten2's user gains two statuses and loses one, a new
	// user appears.
	f.replaceUsers(t, ten2, []secusers.User{
		{ID: guid(6, 201), DisplayName: "Fabrikam User", UserPrincipalName: "user@fabrikam.onmicrosoft.com",
			Status: secusers.StatusSetOf(secusers.MFADisabled, secusers.Inactive)},
		{ID: guid(6, 202), DisplayName: "Fabrikam Admin", UserPrincipalName: "admin@fabrikam.onmicrosoft.com",
			Status: secusers.StatusSetOf(secusers.SignInBlocked)},
	})
	tests := []struct {
		file   string
		method string
		target string
		token  string
	}{
		{"page.golden", http.MethodGet, usersURL(true, cust1, ten1) + "?status=HighRisk,0&pageSize=3", tokAll},
		// The page.golden's nextLink, with its token as written there: a
		// token from a server of an earlier build must still be read.
		{"next_page.golden", http.MethodGet, usersURL(true, cust1, ten1) + "?pageIndex=2&pageSize=3&status=0,3&skipToken=ASqvd5YCAAAABgAAQACAAAAAAAAAC2Nhcm9s", tokAll},
		{"last_page.golden", http.MethodGet, usersURL(false, cust1, ten1) + "?pageIndex=3&pageSize=10", tokAll},
		{"empty_page.golden", http.MethodGet, usersURL(true, cust1, ten1Empty), tokAll},
		{"bad_request.golden", http.MethodGet, usersURL(true, cust1, ten1) + "?pageSize=0", tokAll},
		{"unauthorized.golden", http.MethodGet, usersURL(true, cust1, ten1), ""},
		{"insufficient_scope.golden", http.MethodGet, usersURL(true, cust1, ten1), tokNoScope},
		{"not_found.golden", http.MethodGet, usersURL(true, cust4, ten4), tokAll},
		{"method_not_allowed.golden", http.MethodPost, usersURL(true, cust1, ten1), tokAll},
		{"history.golden", http.MethodGet, historyURL(true, cust1, ten1) + "?from=2026-11-28", tokAll},
		{"changes_next.golden", http.MethodGet, changesURL(false) + "?pageSize=2&customerId=" + cust2, tokAll},
		{"changes_delta.golden", http.MethodGet, tenantChangesURL(true, cust2, ten2) + "?since=2026-11-29T00:00:00Z", tokAll},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			rec := f.do(t, tt.method, tt.target, tt.token)
			got := dump(rec)
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// dump renders a response as status, sorted headers and body. The body is
// indented for review; indenting keeps its keys, their order and every
// escape as they were sent.
func dump(rec *httptest.ResponseRecorder) string {
	id := rec.Header().Get(reqlog.RequestIDHeader)
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s\n", rec.Code, http.StatusText(rec.Code))
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range rec.Header()[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	var body bytes.Buffer
	if err := json.Indent(&body, rec.Body.Bytes(), "", "  "); err != nil {
		body.Reset()
		body.Write(rec.Body.Bytes())
	}
	b.Write(body.Bytes())
	return strings.ReplaceAll(b.String(), id, "<request-id>")
}
