package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
)

// page is a 200 body as a client decodes it.
type page struct {
	Data []struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
		Status      int    `json:"status"`
		IsTestUser  bool   `json:"isTestUser"`
		Age         int64  `json:"age"`
	} `json:"data"`
	Metadata struct {
		PageIndex  int   `json:"pageIndex"`
		PageSize   int   `json:"pageSize"`
		TotalCount int64 `json:"totalCount"`
	} `json:"metadata"`
	NextLink *string `json:"nextLink"`
}

func (p page) ids() []string {
	ids := make([]string, len(p.Data))
	for i, u := range p.Data {
		ids[i] = u.ID
	}
	return ids
}

// errorResponse is an error body as a client decodes it.
type errorResponse struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
			Date      string `json:"date"`
		} `json:"innerError"`
	} `json:"error"`
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode body %q: %v", rec.Body.String(), err)
	}
	return v
}

// checkCommon checks what every response carries, success or error.
func checkCommon(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if got, want := rec.Header().Get("Content-Type"), "application/json; charset=utf-8"; got != want {
		t.Errorf("Content-Type: got %q, want %q", got, want)
	}
	if rec.Header().Get(reqlog.RequestIDHeader) == "" {
		t.Errorf("no %s header", reqlog.RequestIDHeader)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Errorf("body is not JSON: %q", rec.Body.String())
	}
}

// checkError checks an error response: status, code, the request id in the
// body equal to the header's, the date, and the message.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, msgPart string) errorResponse {
	t.Helper()
	checkCommon(t, rec)
	if rec.Code != status {
		t.Fatalf("status: got %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	e := decode[errorResponse](t, rec)
	if e.Error.Code != code {
		t.Errorf("code: got %q, want %q", e.Error.Code, code)
	}
	if !strings.Contains(e.Error.Message, msgPart) {
		t.Errorf("message: got %q, want it to contain %q", e.Error.Message, msgPart)
	}
	if got, want := e.Error.InnerError.RequestID, rec.Header().Get(reqlog.RequestIDHeader); got != want || got == "" {
		t.Errorf("innerError.request-id: got %q, want the request-id header %q", got, want)
	}
	if got, want := e.Error.InnerError.Date, "2026-11-29T06:00:00Z"; got != want {
		t.Errorf("innerError.date: got %q, want %q", got, want)
	}
	return e
}

// TestHandlerOK covers every row of the spec's parameter tables that
// succeeds: paths, GUID case, paging, filters, unknown parameters.
func TestHandlerOK(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all := f.ten1Users // 25, in the API's order
	ids := func(us []secusers.User) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.ID
		}
		return out
	}
	filter := func(set secusers.StatusSet) []secusers.User {
		var out []secusers.User
		for _, u := range all {
			if u.Status.Intersects(set) {
				out = append(out, u)
			}
		}
		return out
	}
	s := secusers.StatusSetOf
	mfaOrHighSet := s(secusers.MFADisabled, secusers.HighRisk)
	mfaOrHigh := filter(mfaOrHighSet)
	base := usersURL(true, cust1, ten1)
	plain := usersURL(false, cust1, ten1)
	link := func(path, query string) string { return testBaseURL + path + "?" + query }
	// Tokens as a nextLink carries them, and ones made for other requests,
	// which are ignored: the page is then served by pageIndex.
	v := f.version(t, ten1)
	p2 := Query{PageIndex: 2, PageSize: 10}
	tok := func(tenantID string, q Query, after secusers.User, version int64) string {
		return mustToken(t, tenantID, q, after, version)
	}
	beyond := user(guid(6, 999), "\U0010FFFF", 1) // after every user

	tests := []struct {
		name      string
		target    string
		token     string
		wantIDs   []string
		wantIndex int
		wantSize  int
		wantTotal int64
		wantNext  string // "" for none
	}{
		{"partner path, defaults", base, tokAll, ids(all), 1, 100, 25, ""},
		{"path without /partner", plain, tokAll, ids(all), 1, 100, 25, ""},
		{"upper-case GUIDs", usersURL(true, strings.ToUpper(cust1), strings.ToUpper(ten1)), tokAll, ids(all), 1, 100, 25, ""},
		{"upper-case GUIDs keep their case in nextLink", usersURL(true, strings.ToUpper(cust1), strings.ToUpper(ten1)) + "?pageSize=20", tokAll,
			ids(all[:20]), 1, 20, 25, link(usersURL(true, strings.ToUpper(cust1), strings.ToUpper(ten1)), "pageIndex=2&pageSize=20")},
		{"lower-case bearer scheme", base, tokAll, ids(all), 1, 100, 25, ""},
		{"first page", base + "?pageIndex=1&pageSize=10", tokAll, ids(all[:10]), 1, 10, 25, link(base, "pageIndex=2&pageSize=10")},
		{"middle page", base + "?pageIndex=2&pageSize=10", tokAll, ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"last partial page", base + "?pageIndex=3&pageSize=10", tokAll, ids(all[20:]), 3, 10, 25, ""},
		{"exact last page", base + "?pageIndex=5&pageSize=5", tokAll, ids(all[20:]), 5, 5, 25, ""},
		{"nextLink keeps the path without /partner", plain + "?pageSize=10", tokAll, ids(all[:10]), 1, 10, 25, link(plain, "pageIndex=2&pageSize=10")},
		{"page past the end", base + "?pageIndex=4&pageSize=10", tokAll, []string{}, 4, 10, 25, ""},
		{"largest pageIndex", base + "?pageIndex=2147483647&pageSize=1000", tokAll, []string{}, 2147483647, 1000, 25, ""},
		{"pageSize 1", base + "?pageSize=1", tokAll, ids(all[:1]), 1, 1, 25, link(base, "pageIndex=2&pageSize=1")},
		{"pageSize 1000", base + "?pageSize=1000", tokAll, ids(all), 1, 1000, 25, ""},
		{"only pageIndex given", base + "?pageIndex=1", tokAll, ids(all), 1, 100, 25, ""},
		{"names in any case", base + "?PageIndex=2&PAGESIZE=10&Status=0", tokAll,
			ids(filter(s(secusers.MFADisabled))[10:]), 2, 10, 18, ""},
		{"spaces around page numbers", base + "?pageIndex=+2+&pageSize=%2010", tokAll, ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"leading zeros", base + "?pageIndex=02&pageSize=010", tokAll, ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"unknown parameters ignored", base + "?_=1700000000&foo&bar=%20&pageSize=10", tokAll, ids(all[:10]), 1, 10, 25, link(base, "pageIndex=2&pageSize=10")},
		{"status one number", base + "?status=3", tokAll, ids(filter(s(secusers.HighRisk))), 1, 100, 2, ""},
		{"status repeated keys", base + "?status=0&status=3", tokAll, ids(mfaOrHigh), 1, 100, int64(len(mfaOrHigh)), ""},
		{"status comma list", base + "?status=3,0", tokAll, ids(mfaOrHigh), 1, 100, int64(len(mfaOrHigh)), ""},
		{"status comma escaped", base + "?status=3%2C0", tokAll, ids(mfaOrHigh), 1, 100, int64(len(mfaOrHigh)), ""},
		{"status both forms", base + "?status=3,4&status=5", tokAll,
			ids(filter(s(secusers.HighRisk, secusers.MediumRisk, secusers.Compliance))), 1, 100, 4, ""},
		{"status names mixed case", base + "?status=highrisk,MFADISABLED", tokAll, ids(mfaOrHigh), 1, 100, int64(len(mfaOrHigh)), ""},
		{"status names and numbers", base + "?status=HighRisk&status=0", tokAll, ids(mfaOrHigh), 1, 100, int64(len(mfaOrHigh)), ""},
		{"status spaces around items", base + "?status=+3+,%200", tokAll, ids(mfaOrHigh), 1, 100, int64(len(mfaOrHigh)), ""},
		{"status 6-8", base + "?status=6,7,8", tokAll,
			ids(filter(s(secusers.Inactive, secusers.PendingDeletion, secusers.TestUser))), 1, 100, 3, ""},
		{"status repeated value", base + "?status=3,3&status=HighRisk", tokAll, ids(filter(s(secusers.HighRisk))), 1, 100, 2, ""},
		{"nextLink with filter, numbers ascending", base + "?status=highrisk,0&pageSize=5&x=y", tokAll,
			ids(mfaOrHigh[:5]), 1, 5, int64(len(mfaOrHigh)), link(base, "pageIndex=2&pageSize=5&status=0,3")},
		{"no matching status", base + "?status=SignInBlocked&pageIndex=2", tokAll, []string{}, 2, 100, 1, ""},
		{"empty tenant", usersURL(true, cust1, ten1Empty), tokAll, []string{}, 1, 100, 0, ""},
		{"customer scope by list", base + "?pageSize=2", tokCust, ids(all[:2]), 1, 2, 25, link(base, "pageIndex=2&pageSize=2")},
		{"customer scope by group", usersURL(true, cust2, ten2), tokGroups, []string{guid(6, 201)}, 1, 100, 1, ""},
		{"another partner's app sees its own", usersURL(false, cust4, ten4), tokP2, []string{guid(6, 401)}, 1, 100, 1, ""},
		// skipToken: a keyset read after its position. The tokens that
		// start elsewhere than the page before show that it is used.
		{"skipToken of the page before", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, p2, all[9], v), tokAll,
			ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken starts after its position", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, p2, all[4], v), tokAll,
			ids(all[5:15]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken name in any case", base + "?SKIPTOKEN=" + tok(ten1, p2, all[4], v) + "&pageIndex=2&pageSize=10", tokAll,
			ids(all[5:15]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken with a filter", base + "?pageIndex=2&pageSize=5&status=3,0&skipToken=" + tok(ten1, Query{PageIndex: 2, PageSize: 5, Statuses: mfaOrHighSet}, mfaOrHigh[1], v), tokAll,
			ids(mfaOrHigh[2:7]), 2, 5, int64(len(mfaOrHigh)), link(base, "pageIndex=3&pageSize=5&status=0,3")},
		{"skipToken after the last user", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, p2, beyond, v), tokAll,
			[]string{}, 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken of another pageIndex ignored", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, Query{PageIndex: 3, PageSize: 10}, all[4], v), tokAll,
			ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken of another pageSize ignored", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, Query{PageIndex: 2, PageSize: 5}, all[4], v), tokAll,
			ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken of another filter ignored", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, Query{PageIndex: 2, PageSize: 10, Statuses: 1}, all[4], v), tokAll,
			ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken of another tenant ignored", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten2, p2, all[4], v), tokAll,
			ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
		{"skipToken of an older users version ignored", base + "?pageIndex=2&pageSize=10&skipToken=" + tok(ten1, p2, all[4], v-1), tokAll,
			ids(all[10:20]), 2, 10, 25, link(base, "pageIndex=3&pageSize=10")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			// RFC 9110 §11.1: the scheme is case-insensitive; one row
			// sends it in lower case, with extra spaces before the token.
			auth := "Bearer " + tt.token
			if strings.HasPrefix(tt.name, "lower-case bearer") {
				auth = "bearer  " + tt.token
			}
			req.Header.Set("Authorization", auth)
			req.Header.Set(reqlog.ClientRequestIDHeader, "client-42")
			rec := httptest.NewRecorder()
			f.handler.ServeHTTP(rec, req)
			checkCommon(t, rec)
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200 (body %s)", rec.Code, rec.Body)
			}
			if got := rec.Header().Get(reqlog.ClientRequestIDHeader); got != "client-42" {
				t.Errorf("client-request-id: got %q, want %q", got, "client-42")
			}
			p := decode[page](t, rec)
			if p.Data == nil {
				t.Errorf("data: got null, want an array")
			}
			if diff := cmp.Diff(tt.wantIDs, p.ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if got, want := [3]int64{int64(p.Metadata.PageIndex), int64(p.Metadata.PageSize), p.Metadata.TotalCount},
				[3]int64{int64(tt.wantIndex), int64(tt.wantSize), tt.wantTotal}; got != want {
				t.Errorf("metadata {pageIndex, pageSize, totalCount}: got %v, want %v", got, want)
			}
			var next string
			if p.NextLink != nil {
				next = *p.NextLink
				if next == "" {
					t.Errorf("nextLink: got \"\", want it absent or a URL")
				}
			}
			next, cur := splitSkipToken(t, next)
			if next != tt.wantNext {
				t.Errorf("nextLink without skipToken: got %q, want %q", next, tt.wantNext)
			}
			// A nextLink carries the position of the page's last user, at
			// the version it was read at; an empty page has no position.
			var want *Cursor
			if n := len(p.Data); n > 0 && tt.wantNext != "" {
				last := p.Data[n-1]
				want = &Cursor{After: secusers.UserKey{SortKey: secusers.SortKey(last.DisplayName), ID: last.ID}, Version: v}
			}
			if cur != nil && want != nil {
				want.Check = cur.Check // TestFollowNextLink shows it is the next request's
			}
			if diff := cmp.Diff(want, cur); diff != "" {
				t.Errorf("skipToken (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHandlerErrors has a row for every row of the spec's error table and
// the corner cases of the parameter tables that fail.
func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ok := usersURL(true, cust1, ten1)
	const invalidToken = `Bearer error="invalid_token"`
	const insufficient = `Bearer error="insufficient_scope", scope="partner.um.user.read.all"`
	good := mustToken(t, ten1, Query{PageIndex: 1, PageSize: 100}, f.ten1Users[0], f.version(t, ten1))
	const msgToken = "skipToken must be the value a nextLink carries, unchanged"
	tests := []struct {
		name       string
		method     string
		target     string
		auth       string // the Authorization header; "" for none
		wantStatus int
		wantCode   string
		wantMsg    string            // a part of the message
		wantHeader map[string]string // headers that must have these values
	}{
		// 400: path parameters.
		{"customerId not a GUID", "GET", usersURL(true, "not-a-guid", ten1), "Bearer " + tokAll, 400, "BadRequest", "customerId must be a GUID", nil},
		{"customerId with braces", "GET", usersURL(true, "{"+cust1+"}", ten1), "Bearer " + tokAll, 400, "BadRequest", "customerId must be a GUID", nil},
		{"customerId without hyphens", "GET", usersURL(true, strings.ReplaceAll(cust1, "-", ""), ten1), "Bearer " + tokAll, 400, "BadRequest", "customerId must be a GUID", nil},
		{"tenantId not a GUID", "GET", usersURL(false, cust1, ten1+"0"), "Bearer " + tokAll, 400, "BadRequest", "tenantId must be a GUID", nil},
		{"tenantId with a non-hex digit", "GET", usersURL(false, cust1, "g"+ten1[1:]), "Bearer " + tokAll, 400, "BadRequest", "tenantId must be a GUID", nil},
		// 400: pageIndex.
		{"pageIndex 0", "GET", ok + "?pageIndex=0", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer from 1 to 2147483647", nil},
		{"pageIndex negative", "GET", ok + "?pageIndex=-1", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer from 1 to 2147483647", nil},
		{"pageIndex too large", "GET", ok + "?pageIndex=2147483648", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer from 1 to 2147483647", nil},
		{"pageIndex overflows int64", "GET", ok + "?pageIndex=99999999999999999999", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer", nil},
		{"pageIndex not an integer", "GET", ok + "?pageIndex=abc", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer", nil},
		{"pageIndex fraction", "GET", ok + "?pageIndex=1.5", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer", nil},
		{"pageIndex empty", "GET", ok + "?pageIndex=", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer", nil},
		{"pageIndex without =", "GET", ok + "?pageIndex", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be an integer", nil},
		{"pageIndex repeated", "GET", ok + "?pageIndex=1&pageIndex=1", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be given at most once", nil},
		{"pageIndex repeated in another case", "GET", ok + "?pageIndex=1&PAGEINDEX=2", "Bearer " + tokAll, 400, "BadRequest", "pageIndex must be given at most once", nil},
		// 400: pageSize.
		{"pageSize 0", "GET", ok + "?pageSize=0", "Bearer " + tokAll, 400, "BadRequest", "pageSize must be an integer from 1 to 1000", nil},
		{"pageSize 1001", "GET", ok + "?pageSize=1001", "Bearer " + tokAll, 400, "BadRequest", "pageSize must be an integer from 1 to 1000", nil},
		{"pageSize not an integer", "GET", ok + "?pageSize=ten", "Bearer " + tokAll, 400, "BadRequest", "pageSize must be an integer from 1 to 1000", nil},
		{"pageSize empty", "GET", ok + "?pageSize=", "Bearer " + tokAll, 400, "BadRequest", "pageSize must be an integer from 1 to 1000", nil},
		{"pageSize repeated", "GET", ok + "?pageSize=10&pagesize=10", "Bearer " + tokAll, 400, "BadRequest", "pageSize must be given at most once", nil},
		// 400: status.
		{"status out of range", "GET", ok + "?status=9", "Bearer " + tokAll, 400, "BadRequest", "status must be a list of status numbers 0–8 or names (MFADisabled,", nil},
		{"status negative", "GET", ok + "?status=-1", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status unknown name", "GET", ok + "?status=Risky", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status empty", "GET", ok + "?status=", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status without =", "GET", ok + "?status", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status empty item", "GET", ok + "?status=0,,1", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status trailing comma", "GET", ok + "?status=0,", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status only spaces", "GET", ok + "?status=+", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		{"status one bad among good", "GET", ok + "?status=0&status=10", "Bearer " + tokAll, 400, "BadRequest", "status must be a list", nil},
		// 400: skipToken, whether or not it was made for this request.
		{"skipToken empty", "GET", ok + "?skipToken=", "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken without =", "GET", ok + "?skipToken", "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken not base64url", "GET", ok + "?skipToken=" + good[:10] + "*" + good[11:], "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken with padding", "GET", ok + "?skipToken=" + good + "%3D", "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken truncated", "GET", ok + "?skipToken=" + good[:12], "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken of another format", "GET", ok + "?skipToken=" + rawToken(9, 0, 1, f.ten1Users[0].ID, "alice"), "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken with invalid UTF-8", "GET", ok + "?skipToken=" + rawToken(cursorFormat, 0, 1, f.ten1Users[0].ID, "\xc3("), "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken with NUL", "GET", ok + "?skipToken=" + rawToken(cursorFormat, 0, 1, f.ten1Users[0].ID, "a\x00"), "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		{"skipToken too long", "GET", ok + "?skipToken=" + strings.Repeat("A", 4097), "Bearer " + tokAll, 400, "BadRequest", "skipToken must be at most 4096 characters", nil},
		{"skipToken repeated", "GET", ok + "?skipToken=" + good + "&SkipToken=" + good, "Bearer " + tokAll, 400, "BadRequest", "skipToken must be given at most once", nil},
		{"skipToken bad with a good pageIndex", "GET", ok + "?pageIndex=2&skipToken=x", "Bearer " + tokAll, 400, "BadRequest", msgToken, nil},
		// 400: the query string itself.
		{"bad escape", "GET", ok + "?pageSize=%zz", "Bearer " + tokAll, 400, "BadRequest", "the query string is malformed", nil},
		{"bad escape in an unknown parameter", "GET", ok + "?x=%", "Bearer " + tokAll, 400, "BadRequest", "the query string is malformed", nil},
		{"semicolon separator", "GET", ok + "?pageSize=10;pageIndex=2", "Bearer " + tokAll, 400, "BadRequest", "the query string is malformed", nil},
		{"malformed wins over a bad value before it", "GET", ok + "?pageSize=0&x=%", "Bearer " + tokAll, 400, "BadRequest", "the query string is malformed", nil},
		// 401.
		{"no Authorization", "GET", ok, "", 401, "Unauthorized", "bearer access token", map[string]string{"WWW-Authenticate": invalidToken}},
		{"Basic scheme", "GET", ok, "Basic dXNlcjpwYXNz", 401, "Unauthorized", "Bearer", map[string]string{"WWW-Authenticate": invalidToken}},
		{"Bearer without token", "GET", ok, "Bearer", 401, "Unauthorized", "Bearer", map[string]string{"WWW-Authenticate": invalidToken}},
		{"Bearer with blank token", "GET", ok, "Bearer   ", 401, "Unauthorized", "Bearer", map[string]string{"WWW-Authenticate": invalidToken}},
		{"token with bad characters", "GET", ok, "Bearer a,b", 401, "Unauthorized", "Bearer", map[string]string{"WWW-Authenticate": invalidToken}},
		{"two tokens", "GET", ok, "Bearer a b", 401, "Unauthorized", "Bearer", map[string]string{"WWW-Authenticate": invalidToken}},
		{"unknown token", "GET", ok, "Bearer nope", 401, "Unauthorized", "malformed", map[string]string{"WWW-Authenticate": invalidToken}},
		{"verifier says expired", "GET", ok, "Bearer " + tokExpired, 401, "Unauthorized", "expired", map[string]string{"WWW-Authenticate": invalidToken}},
		{"disabled app", "GET", ok, "Bearer " + tokDisabled, 401, "Unauthorized", "disabled", map[string]string{"WWW-Authenticate": invalidToken}},
		{"deleted app", "GET", ok, "Bearer " + tokDeleted, 401, "Unauthorized", "no longer registered", map[string]string{"WWW-Authenticate": invalidToken}},
		{"401 before a bad GUID", "GET", usersURL(true, "x", "y"), "", 401, "Unauthorized", "", nil},
		{"405 before 401", "POST", ok, "", 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		// 403.
		{"token lacks the scope", "GET", ok, "Bearer " + tokNoScope, 403, "Forbidden", "partner.um.user.read.all", map[string]string{"WWW-Authenticate": insufficient}},
		{"app lacks the permission", "GET", ok, "Bearer " + tokNoPerm, 403, "Forbidden", "partner.um.user.read.all", map[string]string{"WWW-Authenticate": insufficient}},
		{"403 scope before a bad GUID", "GET", usersURL(true, "x", "y"), "Bearer " + tokNoScope, 403, "Forbidden", "", nil},
		{"customer outside the customers list", "GET", usersURL(true, cust2, ten2), "Bearer " + tokCust, 403, "Forbidden", "outside the customer scope", map[string]string{"WWW-Authenticate": ""}},
		{"customer outside the groups", "GET", usersURL(true, cust3, ten3), "Bearer " + tokGroups, 403, "Forbidden", "outside the customer scope", nil},
		{"customer in scope by list, tenant not its", "GET", usersURL(true, cust1, ten2), "Bearer " + tokCust, 404, "NotFound", "has no tenant", nil},
		{"customer outside the customers list, tenant not its", "GET", usersURL(true, cust2, ten1), "Bearer " + tokCust, 403, "Forbidden", "outside the customer scope", nil},
		{"customer outside the customers list, tenant missing", "GET", usersURL(true, cust2, unknownID), "Bearer " + tokCust, 403, "Forbidden", "outside the customer scope", nil},
		{"bad query before the scope", "GET", usersURL(true, cust2, ten2) + "?pageSize=0", "Bearer " + tokCust, 400, "BadRequest", "pageSize", nil},
		// 404.
		{"customer missing", "GET", usersURL(true, unknownID, ten1), "Bearer " + tokAll, 404, "NotFound", "has no tenant", nil},
		{"another partner's customer", "GET", usersURL(true, cust4, ten4), "Bearer " + tokAll, 404, "NotFound", "has no tenant", nil},
		{"another partner's customer, out of scope too", "GET", usersURL(true, cust4, ten4), "Bearer " + tokCust, 404, "NotFound", "has no tenant", nil},
		{"tenant of another customer", "GET", usersURL(true, cust1, ten2), "Bearer " + tokAll, 404, "NotFound", "has no tenant", nil},
		{"tenant missing", "GET", usersURL(true, cust1, unknownID), "Bearer " + tokAll, 404, "NotFound", "has no tenant", nil},
		{"our tenant under another partner's customer", "GET", usersURL(true, cust1, ten1), "Bearer " + tokP2, 404, "NotFound", "has no tenant", nil},
		// 405, with or without a token.
		{"POST", "POST", ok, "Bearer " + tokAll, 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"PUT", "PUT", ok, "Bearer " + tokAll, 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"DELETE", "DELETE", usersURL(false, cust1, ten1), "", 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"PATCH", "PATCH", ok, "", 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"HEAD", "HEAD", ok, "Bearer " + tokAll, 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"OPTIONS", "OPTIONS", ok, "", 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		// 503 and 500 from the verifier.
		{"verifier unavailable", "GET", ok, "Bearer " + tokDown, 503, "ServiceUnavailable", "token service", map[string]string{"Retry-After": "5"}},
		{"verifier fault", "GET", ok, "Bearer " + tokBroken, 500, "InternalServerError", internalMessage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			req.Header.Set(reqlog.ClientRequestIDHeader, "client-42")
			rec := httptest.NewRecorder()
			f.handler.ServeHTTP(rec, req)
			checkError(t, rec, tt.wantStatus, tt.wantCode, tt.wantMsg)
			if got := rec.Header().Get(reqlog.ClientRequestIDHeader); got != "client-42" {
				t.Errorf("client-request-id: got %q, want %q", got, "client-42")
			}
			for k, want := range tt.wantHeader {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Errorf("body leaks the cause: %s", rec.Body)
			}
		})
	}
}

// TestNotFoundIndistinguishable checks that a missing customer, another
// partner's customer and another customer's tenant give the same answer
// but for the ids the caller sent.
func TestNotFoundIndistinguishable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	shape := func(customerID, tenantID string) string {
		t.Helper()
		rec := f.do(t, http.MethodGet, usersURL(true, customerID, tenantID), tokAll)
		e := checkError(t, rec, http.StatusNotFound, "NotFound", "")
		m := strings.ReplaceAll(e.Error.Message, customerID, "{customer}")
		return strings.ReplaceAll(m, tenantID, "{tenant}")
	}
	want := shape(unknownID, ten1)
	for _, c := range [][2]string{{cust4, ten4}, {cust1, ten2}, {cust1, unknownID}, {cust4, ten1}} {
		if got := shape(c[0], c[1]); got != want {
			t.Errorf("message for %v: got %q, want %q", c, got, want)
		}
	}
}

// TestOutOfScopeIndistinguishable checks that an app learns nothing about
// the tenants of its partner's customers outside its scope: the customer's
// own tenant, another customer's, another partner's and a made-up id all
// get the same 403, but for the ids the caller sent.
func TestOutOfScopeIndistinguishable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name, token, customerID string
		tenantIDs               []string // the customer's own tenant first
	}{
		{"customers list", tokCust, cust2, []string{ten2, ten3, ten1, ten4, unknownID}},
		{"groups", tokGroups, cust3, []string{ten3, ten2, ten1, ten4, unknownID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shape := func(tenantID string) string {
				t.Helper()
				rec := f.do(t, http.MethodGet, usersURL(true, tt.customerID, tenantID), tt.token)
				e := checkError(t, rec, http.StatusForbidden, "Forbidden", "outside the customer scope")
				m := strings.ReplaceAll(e.Error.Message, tt.customerID, "{customer}")
				return strings.ReplaceAll(m, tenantID, "{tenant}") + "|" + rec.Header().Get("WWW-Authenticate")
			}
			want := shape(tt.tenantIDs[0])
			for _, tid := range tt.tenantIDs[1:] {
				if got := shape(tid); got != want {
					t.Errorf("tenant %s: got %q, want %q as for the customer's own tenant", tid, got, want)
				}
			}
		})
	}
}
