package api

import (
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// testNow is the fixed clock of the handler tests; ages are relative to it.
var testNow = time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)

// testBaseURL is the BaseURL of recorder-based tests; nextLinks start with it.
const testBaseURL = "http://api.test"

// guid returns a deterministic canonical GUID; kind keeps the ids of
// different things apart, n numbers them.
func guid(kind, n int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, n)
}

// The fixture's ids. Partner 1 owns customers 1–3; partner 2 owns customer 4.
var (
	partner1, partner2 = guid(1, 1), guid(1, 2)
	// cust1 is in no group, cust2 in group1, cust3 in no group.
	cust1, cust2, cust3, cust4 = guid(2, 1), guid(2, 2), guid(2, 3), guid(2, 4)
	group1                     = guid(3, 1)
	// ten1 (cust1) holds the bulk of the users; ten1Empty (cust1) none.
	ten1, ten1Empty, ten2, ten3, ten4 = guid(4, 1), guid(4, 5), guid(4, 2), guid(4, 3), guid(4, 4)
	unknownID                         = guid(9, 9)

	appAll      = guid(5, 1) // partner 1, all customers
	appCust     = guid(5, 2) // partner 1, customer 1 only
	appGroups   = guid(5, 3) // partner 1, group 1 (customer 2)
	appNoPerm   = guid(5, 4) // partner 1, only the customer-read permission
	appDisabled = guid(5, 5) // partner 1, disabled
	appP2       = guid(5, 6) // partner 2, all customers
	appDeleted  = guid(5, 7) // never registered: its tokens outlive it
)

// The bearer tokens the fake verifier knows.
const (
	tokAll      = "tok-all"
	tokNoScope  = "tok-noscope" // appAll's token without the read scope
	tokNoPerm   = "tok-noperm"  // has the scope, but the app lost the permission
	tokCust     = "tok-cust"
	tokGroups   = "tok-groups"
	tokDisabled = "tok-disabled"
	tokDeleted  = "tok-deleted"
	tokP2       = "tok-p2"
	tokExpired  = "tok-expired" // the verifier says Unauthenticated
	tokDown     = "tok-down"    // the verifier says Unavailable
	tokBroken   = "tok-broken"  // the verifier fails with a non-domain error
)

// secretDetail is in faults that must never reach a client.
const secretDetail = "dial tcp 10.1.2.3:5432: password=hunter2"

// fakeVerifier stands in for the token service: a map from raw token to
// what verifying it gives. Unknown tokens are Unauthenticated.
type fakeVerifier map[string]verifyResult

type verifyResult struct {
	tok secusers.AccessToken
	err error
}

func (v fakeVerifier) VerifyAccessToken(_ context.Context, raw string) (secusers.AccessToken, error) {
	r, ok := v[raw]
	if !ok {
		return secusers.AccessToken{}, secusers.Errorf(secusers.Unauthenticated, "the access token is malformed")
	}
	return r.tok, r.err
}

func newVerifier() fakeVerifier {
	tok := func(clientID string, scopes ...string) verifyResult {
		return verifyResult{tok: secusers.AccessToken{
			ID: "jti-" + clientID, ClientID: clientID, Scopes: scopes,
			IssuedAt: testNow.Add(-time.Minute), ExpiresAt: testNow.Add(time.Hour),
		}}
	}
	read := secusers.PermissionReadUsers
	return fakeVerifier{
		tokAll:      tok(appAll, read),
		tokNoScope:  tok(appAll, secusers.PermissionReadCustomers),
		tokNoPerm:   tok(appNoPerm, read),
		tokCust:     tok(appCust, read),
		tokGroups:   tok(appGroups, read),
		tokDisabled: tok(appDisabled, read),
		tokDeleted:  tok(appDeleted, read),
		tokP2:       tok(appP2, read),
		tokExpired:  {err: secusers.Errorf(secusers.Unauthenticated, "the access token has expired")},
		tokDown:     {err: secusers.Wrap(secusers.Unavailable, fmt.Errorf("%s", secretDetail), "the token service cannot be reached")},
		tokBroken:   {err: fmt.Errorf("jwks: %s", secretDetail)},
	}
}

// fixture is a seeded SQLite store and the handler serving it, wrapped in
// the request-id middleware as the server wraps it.
type fixture struct {
	store   *sqlite.Store
	handler http.Handler
	// serverHandler is what an httptest.Server of the test serves, set once
	// the server's URL (the BaseURL) is known.
	serverHandler http.Handler
	logs          *syncBuffer
	// ten1Users are ten1's security users in the API's order.
	ten1Users []secusers.User
}

// syncBuffer is a log sink that parallel subtests may share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newFixture opens a fresh store in a temporary directory and seeds it.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureClock(tb, func() time.Time { return testNow })
}

// newFixtureClock is newFixture with the store's clock, which stamps the
// generations (when changes happened, and the day of a history point);
// the handler's clock stays testNow.
func newFixtureClock(tb testing.TB, clock func() time.Time) *fixture {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "secusers.db"), sqlite.WithClock(clock))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	f := &fixture{store: st, logs: &syncBuffer{}}
	f.seed(tb)
	f.handler = f.newHandler(st, testBaseURL)
	return f
}

// newHandler returns the handler over store, wrapped in reqlog.Middleware
// and logging to f.logs; each of configure may change its Config.
func (f *fixture) newHandler(store secusers.Store, baseURL string, configure ...func(*Config)) http.Handler {
	// Wrapped as the server wraps its logger, for the request id.
	logger := slog.New(reqlog.NewHandler(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	cfg := Config{Store: store, Verifier: newVerifier(), BaseURL: baseURL, Now: func() time.Time { return testNow }, Logger: logger}
	for _, c := range configure {
		c(&cfg)
	}
	h := New(cfg)
	mux := http.NewServeMux()
	h.Register(mux)
	return reqlog.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil)), mux)
}

func (f *fixture) seed(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("seed: %v", err)
		}
	}
	must(f.store.CreatePartner(ctx, secusers.Partner{ID: partner1, Name: "Partner One"}))
	must(f.store.CreatePartner(ctx, secusers.Partner{ID: partner2, Name: "Partner Two"}))
	for _, c := range []secusers.Customer{
		{ID: cust1, PartnerID: partner1, Organization: "Contoso"},
		{ID: cust2, PartnerID: partner1, Organization: "Fabrikam"},
		{ID: cust3, PartnerID: partner1, Organization: "Northwind"},
		{ID: cust4, PartnerID: partner2, Organization: "Tailspin"},
	} {
		must(f.store.CreateCustomer(ctx, c))
	}
	must(f.store.CreateGroup(ctx, secusers.CustomerGroup{ID: group1, PartnerID: partner1, Name: "Gold", CustomerIDs: []string{cust2}}))
	for _, t := range []secusers.Tenant{
		{ID: ten1, CustomerID: cust1, Name: "contoso.onmicrosoft.com"},
		{ID: ten1Empty, CustomerID: cust1, Name: "contoso-dev.onmicrosoft.com"},
		{ID: ten2, CustomerID: cust2, Name: "fabrikam.onmicrosoft.com"},
		{ID: ten3, CustomerID: cust3, Name: "northwind.onmicrosoft.com"},
		{ID: ten4, CustomerID: cust4, Name: "tailspin.onmicrosoft.com"},
	} {
		must(f.store.CreateTenant(ctx, t))
	}
	read := []string{secusers.PermissionReadUsers}
	for _, a := range []secusers.App{
		{ClientID: appAll, PartnerID: partner1, Name: "all", Permissions: read, Scope: secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}},
		{ClientID: appCust, PartnerID: partner1, Name: "cust", Permissions: read, Scope: secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{cust1}}},
		{ClientID: appGroups, PartnerID: partner1, Name: "groups", Permissions: read, Scope: secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{group1}}},
		{ClientID: appNoPerm, PartnerID: partner1, Name: "noperm", Permissions: []string{secusers.PermissionReadCustomers}, Scope: secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}},
		{ClientID: appDisabled, PartnerID: partner1, Name: "disabled", Permissions: read, Scope: secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}},
		{ClientID: appP2, PartnerID: partner2, Name: "p2", Permissions: read, Scope: secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}},
	} {
		must(f.store.CreateApp(ctx, a))
	}
	if err := f.store.DisableApp(ctx, appDisabled); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	users := ten1Seed()
	f.replaceUsers(tb, ten1, users)
	f.replaceUsers(tb, ten2, []secusers.User{user(guid(6, 201), "Fabrikam User", secusers.StatusSetOf(secusers.HighRisk))})
	f.replaceUsers(tb, ten3, []secusers.User{user(guid(6, 301), "Northwind User", secusers.StatusSetOf(secusers.HighRisk))})
	f.replaceUsers(tb, ten4, []secusers.User{user(guid(6, 401), "Tailspin User", secusers.StatusSetOf(secusers.HighRisk))})
	for _, u := range users {
		if u.Status != 0 {
			f.ten1Users = append(f.ten1Users, u)
		}
	}
	slices.SortFunc(f.ten1Users, func(a, b secusers.User) int {
		if c := strings.Compare(secusers.SortKey(a.DisplayName), secusers.SortKey(b.DisplayName)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func (f *fixture) replaceUsers(tb testing.TB, tenantID string, users []secusers.User) {
	tb.Helper()
	var seq iter.Seq2[secusers.User, error] = func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
	if _, err := f.store.ReplaceUsers(context.Background(), tenantID, seq); err != nil {
		tb.Fatalf("seed users of %s: %v", tenantID, err)
	}
}

// version returns the tenant's users version as the store reports it.
func (f *fixture) version(tb testing.TB, tenantID string) int64 {
	tb.Helper()
	page, err := f.store.SecurityUsers(context.Background(), tenantID, secusers.UserQuery{Limit: 1})
	if err != nil {
		tb.Fatalf("version of %s: %v", tenantID, err)
	}
	return page.Version
}

// user returns a user with only the fields the order and filter look at.
func user(id, displayName string, status secusers.StatusSet) secusers.User {
	return secusers.User{ID: id, DisplayName: displayName, Status: status, IsTestUser: status.Has(secusers.TestUser)}
}

// carolID is the one user of ten1 with every field set.
var carolID = guid(6, 11)

// ten1Seed returns ten1's users: names that test the case-folded order
// (ASCII and not, a case-only tie broken by id, an empty name), every
// status, a user with no status (not a security user), one with every field
// set, and fifteen "User nnn" for paging. 25 are security users.
func ten1Seed() []secusers.User {
	s := secusers.StatusSetOf
	users := []secusers.User{
		user(guid(6, 1), "Álvaro", s(secusers.HighRisk)),
		user(guid(6, 2), "alice", s(secusers.MFADisabled)),
		// "bob" has the smaller id, so the case-insensitive tie puts it
		// before "Bob", the reverse of byte order.
		user(guid(6, 4), "Bob", s(secusers.SignInBlocked, secusers.PasswordExpired)),
		user(guid(6, 3), "bob", s(secusers.MFADisabled)),
		user(guid(6, 5), "Zoë", s(secusers.MediumRisk)),
		user(guid(6, 6), "zoe", s(secusers.Compliance)),
		user(guid(6, 7), "Ωmega", s(secusers.Inactive)),
		user(guid(6, 8), "", s(secusers.PendingDeletion)),
		user(guid(6, 9), "Test Account", s(secusers.TestUser)),
		user(guid(6, 10), "Clean User", 0),
		{
			ID: carolID, UserPrincipalName: "carol@contoso.onmicrosoft.com", Mail: "carol@contoso.com",
			DisplayName: "Carol", FirstName: "Carol", LastName: "Jones", EmployeeID: "s12123",
			Location: "0711", Department: "09", Mobile: "55444", JobTitle: "Software developer",
			OfficePhone: "43344", Company: "BK Company", CountryRegion: "Slovenia",
			Status:     s(secusers.MFADisabled, secusers.PasswordExpired, secusers.HighRisk),
			IsTestUser: false,
			// 10 days and 23 hours: age counts whole days.
			LastPasswordChange: testNow.Add(-(10*24 + 23) * time.Hour),
			StartDate:          time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
			EndDate:            time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli(),
		},
	}
	for i := 1; i <= 15; i++ {
		users = append(users, user(guid(6, 100+i), fmt.Sprintf("User %03d", i), s(secusers.MFADisabled)))
	}
	// A password changed "in the future" (clock skew) is age 0, not negative.
	users[1].LastPasswordChange = testNow.Add(time.Hour)
	return users
}

// usersURL returns the path of the endpoint for a customer and tenant.
func usersURL(partner bool, customerID, tenantID string) string {
	p := "/external/v3/um/customers/" + customerID + "/tenants/" + tenantID + "/overview/security/users/batch"
	if partner {
		p = "/partner" + p
	}
	return p
}

// do sends one request through the fixture's handler.
func (f *fixture) do(tb testing.TB, method, target, token string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}
