package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// TestOrder checks the full order by hand rather than with SortKey: case
// folded, non-ASCII after ASCII by bytes, a case-only tie broken by id.
func TestOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := f.do(t, http.MethodGet, usersURL(true, cust1, ten1), tokAll)
	p := decode[page](t, rec)
	var got []string
	for _, u := range p.Data {
		got = append(got, u.DisplayName)
	}
	want := []string{"", "alice", "bob", "Bob", "Carol", "Test Account"}
	for i := 1; i <= 15; i++ {
		want = append(want, fmt.Sprintf("User %03d", i))
	}
	want = append(want, "zoe", "Zoë", "Álvaro", "Ωmega")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order of displayName (-want +got):\n%s", diff)
	}
	if got, want := p.Data[2].ID, guid(6, 3); got != want {
		t.Errorf("the tie of bob and Bob: got %s first, want %s (the smaller id)", got, want)
	}
}

// TestUserFields checks one user's every field on the wire: names, the
// status bit set, the age from the injected clock, the dates, and "" (not
// null) for every unknown string.
func TestUserFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rec := f.do(t, http.MethodGet, usersURL(true, cust1, ten1), tokAll)
	var body struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, u := range body.Data {
		byID[u["id"].(string)] = u
	}
	wantCarol := map[string]any{
		"id": carolID, "userPrincipalName": "carol@contoso.onmicrosoft.com", "mail": "carol@contoso.com",
		"displayName": "Carol", "firstName": "Carol", "lastName": "Jones", "employeeId": "s12123",
		"location": "0711", "department": "09", "mobile": "55444", "jobTitle": "Software developer",
		"status": float64(13), "isTestUser": false, "age": float64(10),
		"startDate": float64(1796083200000), "endDate": float64(1798675200000),
		"officePhone": "43344", "company": "BK Company", "countryRegion": "Slovenia",
	}
	if diff := cmp.Diff(wantCarol, byID[carolID]); diff != "" {
		t.Errorf("Carol (-want +got):\n%s", diff)
	}
	stringFields := []string{"id", "userPrincipalName", "mail", "displayName", "firstName", "lastName", "employeeId",
		"location", "department", "mobile", "jobTitle", "officePhone", "company", "countryRegion"}
	for id, u := range byID {
		if len(u) != 19 {
			t.Errorf("user %s: got %d fields, want 19", id, len(u))
		}
		for _, k := range stringFields {
			if _, ok := u[k].(string); !ok {
				t.Errorf("user %s: %s is %#v, want a string", id, k, u[k])
			}
		}
	}
	tests := []struct {
		id         string
		status     float64
		isTestUser bool
		age        float64
	}{
		{guid(6, 2), 1, false, 0},       // alice: MFADisabled; password changed in the future
		{guid(6, 4), 2 + 4, false, 0},   // Bob: SignInBlocked, PasswordExpired; unknown change
		{guid(6, 9), 256, true, 0},      // Test Account: TestUser
		{guid(6, 7), 64, false, 0},      // Ωmega: Inactive
		{guid(6, 8), 128, false, 0},     // "": PendingDeletion
		{carolID, 1 + 4 + 8, false, 10}, // the reference's sample 13
	}
	for _, tt := range tests {
		u := byID[tt.id]
		if got := [3]any{u["status"], u["isTestUser"], u["age"]}; got != [3]any{tt.status, tt.isTestUser, tt.age} {
			t.Errorf("user %s {status, isTestUser, age}: got %v, want %v", tt.id, got, [3]any{tt.status, tt.isTestUser, tt.age})
		}
	}
}

// TestFollowNextLink follows nextLink over real HTTP, on both paths and with
// a filter, and checks that every matching user comes exactly once, in order.
func TestFollowNextLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serverHandler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	f.serverHandler = f.newHandler(f.store, srv.URL)

	for _, start := range []string{
		usersURL(true, cust1, ten1) + "?pageSize=4",
		usersURL(false, strings.ToUpper(cust1), ten1) + "?pageSize=7&status=0&status=HighRisk",
		usersURL(false, cust1, ten1) + "?pageSize=1",
	} {
		t.Run(start, func(t *testing.T) {
			var want []string
			q, err := ParseQuery(start[strings.IndexByte(start, '?')+1:])
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range f.ten1Users {
				if q.Statuses == 0 || u.Status.Intersects(q.Statuses) {
					want = append(want, u.ID)
				}
			}
			var got []string
			next := srv.URL + start
			for pages := 0; next != ""; pages++ {
				if pages > 30 {
					t.Fatalf("more than 30 pages; last link %s", next)
				}
				p := getPage(t, next)
				if p.Metadata.TotalCount != int64(len(want)) {
					t.Errorf("totalCount: got %d, want %d", p.Metadata.TotalCount, len(want))
				}
				got = append(got, p.ids()...)
				next = ""
				if p.NextLink != nil {
					next = *p.NextLink
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("users over all pages (-want +got):\n%s", diff)
			}
		})
	}
}

func getPage(t *testing.T, url string) page {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tokAll)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d, want 200: %s", url, resp.StatusCode, b)
	}
	if got, want := resp.Header.Get("Content-Length"), ""; got == want {
		t.Errorf("Content-Length: got none, want the body's length")
	}
	var p page
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNextLinkFallbackBase checks that without a configured BaseURL the
// link is still absolute, built from the request's host.
func TestNextLinkFallbackBase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.newHandler(f.store, "")
	req := httptest.NewRequest(http.MethodGet, "http://example.org"+usersURL(true, cust1, ten1)+"?pageSize=10", nil)
	req.Header.Set("Authorization", "Bearer "+tokAll)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	p := decode[page](t, rec)
	want := "http://example.org" + usersURL(true, cust1, ten1) + "?pageIndex=2&pageSize=10"
	if p.NextLink == nil {
		t.Fatalf("nextLink: got none, want %q and a skipToken", want)
	}
	if got, cur := splitSkipToken(t, *p.NextLink); got != want || cur == nil {
		t.Errorf("nextLink: got %q, want %q and a skipToken", *p.NextLink, want)
	}
}

// TestChangesTakeEffectWithinRecentReads: the handler reuses what the store
// said of an app, its customer's scope and its groups for RecentReads, so a
// change is refused within that time (at once when the reads are not
// reused), and from then on, for a token the server has already seen.
func TestChangesTakeEffectWithinRecentReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		token  string
		change func(f *fixture) error
		status int
		msg    string
	}{
		{"app disabled", tokAll, func(f *fixture) error { return f.store.DisableApp(context.Background(), appAll) },
			http.StatusUnauthorized, "disabled"},
		{"customer taken out of the scope", tokCust, func(f *fixture) error {
			return f.store.SetAppScope(context.Background(), appCust, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{cust3}})
		}, http.StatusForbidden, "outside the customer scope"},
	}
	for _, tt := range tests {
		for _, ttl := range []time.Duration{-1, DefaultRecentReads} {
			t.Run(fmt.Sprintf("%s, RecentReads %v", tt.name, ttl), func(t *testing.T) {
				t.Parallel()
				f := newFixture(t)
				f.handler = f.newHandler(f.store, testBaseURL, func(c *Config) { c.RecentReads = ttl })
				target := usersURL(true, cust1, ten1)
				if rec := f.do(t, http.MethodGet, target, tt.token); rec.Code != http.StatusOK {
					t.Fatalf("before: got %d, want 200", rec.Code)
				}
				if err := tt.change(f); err != nil {
					t.Fatal(err)
				}
				changed := time.Now()
				// Generous beyond RecentReads for a loaded machine: the
				// bound under test is "within seconds", not a speed.
				limit := max(ttl, 0) + 3*time.Second
				rec := f.do(t, http.MethodGet, target, tt.token)
				for rec.Code == http.StatusOK && ttl > 0 && time.Since(changed) < limit {
					time.Sleep(20 * time.Millisecond)
					rec = f.do(t, http.MethodGet, target, tt.token)
				}
				checkError(t, rec, tt.status, http.StatusText(tt.status), tt.msg)
				// Refused from then on.
				checkError(t, f.do(t, http.MethodGet, target, tt.token), tt.status, http.StatusText(tt.status), tt.msg)
			})
		}
	}
}

// faultyStore is the real store with one injected fault: SecurityUsers
// fails with err. A real SQLite store cannot be made "unreachable" on cue,
// and the 503 and 500 paths must be shown not to leak the cause.
type faultyStore struct {
	secusers.Store
	err error
}

func (s faultyStore) SecurityUsers(context.Context, string, secusers.UserQuery) (secusers.UserPage, error) {
	return secusers.UserPage{}, s.err
}

// TestStoreFaults checks 503 and 500 from the store: the caller-safe
// message or the fixed one, Retry-After on 503, and the cause only in the
// log line with the request id.
func TestStoreFaults(t *testing.T) {
	t.Parallel()
	cause := io.ErrUnexpectedEOF
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"unavailable", secusers.Wrap(secusers.Unavailable, cause, "the database is busy; try again"), 503, "ServiceUnavailable", "the database is busy; try again"},
		{"internal with a message", secusers.Wrap(secusers.Internal, cause, "secret table users_v2 is corrupt"), 500, "InternalServerError", internalMessage},
		{"plain error", &leakyError{}, 500, "InternalServerError", internalMessage},
		{"tenant deleted since it was found", secusers.Wrap(secusers.NotFound, cause, "tenant users_v2 not found"), 404, "NotFound",
			"customer " + cust1 + " has no tenant " + ten1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.handler = f.newHandler(faultyStore{Store: f.store, err: tt.err}, testBaseURL)
			rec := f.do(t, http.MethodGet, usersURL(true, cust1, ten1), tokAll)
			e := checkError(t, rec, tt.wantStatus, tt.wantCode, tt.wantMsg)
			if e.Error.Message != tt.wantMsg {
				t.Errorf("message: got %q, want %q", e.Error.Message, tt.wantMsg)
			}
			if tt.wantStatus == 503 {
				if got := rec.Header().Get("Retry-After"); got != "5" {
					t.Errorf("Retry-After: got %q, want %q", got, "5")
				}
			}
			for _, secret := range []string{"hunter2", "users_v2", "unexpected EOF"} {
				if strings.Contains(rec.Body.String(), secret) {
					t.Errorf("body leaks %q: %s", secret, rec.Body)
				}
			}
			logs := f.logs.String()
			if !strings.Contains(logs, e.Error.InnerError.RequestID) || !strings.Contains(logs, "unexpected EOF") {
				t.Errorf("log lacks the request id %s or the cause:\n%s", e.Error.InnerError.RequestID, logs)
			}
		})
	}
}

type leakyError struct{}

func (*leakyError) Error() string { return "query failed: " + secretDetail + ": unexpected EOF" }

// TestClosedStore checks a real store failure end to end: a closed store
// is a fault the client is told nothing about.
func TestClosedStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.store.Close()
	rec := f.do(t, http.MethodGet, usersURL(true, cust1, ten1), tokAll)
	if rec.Code != http.StatusInternalServerError && rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status: got %d, want 500 or 503", rec.Code)
	}
	e := decode[errorResponse](t, rec)
	if strings.Contains(e.Error.Message, "sql") {
		t.Errorf("message leaks the driver: %q", e.Error.Message)
	}
}
