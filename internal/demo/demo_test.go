package demo_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

func TestUsersDeterministic(t *testing.T) {
	t.Parallel()
	a := demo.Users(7, 500, "contoso.onmicrosoft.com")
	b := demo.Users(7, 500, "contoso.onmicrosoft.com")
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different users (-first +second):\n%s", diff)
	}
	c := demo.Users(8, 500, "contoso.onmicrosoft.com")
	if a[0].ID == c[0].ID {
		t.Errorf("seeds 7 and 8 gave the same first id %s, want different users", a[0].ID)
	}
	// A prefix of a longer run is the shorter run: callers may grow a tenant.
	if diff := cmp.Diff(a[:100], demo.Users(7, 100, "contoso.onmicrosoft.com")); diff != "" {
		t.Errorf("100 users are not the first 100 of 500 (-want +got):\n%s", diff)
	}
}

func TestUsersValidAndUnique(t *testing.T) {
	t.Parallel()
	users := demo.Users(1, demo.DefaultUsers, "contoso.onmicrosoft.com")
	if len(users) != demo.DefaultUsers {
		t.Fatalf("got %d users, want %d", len(users), demo.DefaultUsers)
	}
	ids, upns, employees := map[string]bool{}, map[string]bool{}, map[string]bool{}
	nonASCII := 0
	for _, u := range users {
		if err := u.Validate(); err != nil {
			t.Fatalf("user %+v: %v", u, err)
		}
		if ids[u.ID] || upns[u.UserPrincipalName] || employees[u.EmployeeID] {
			t.Fatalf("user %s repeats an id, UPN or employee id", u.UserPrincipalName)
		}
		ids[u.ID], upns[u.UserPrincipalName], employees[u.EmployeeID] = true, true, true
		if !strings.HasSuffix(u.UserPrincipalName, "@contoso.onmicrosoft.com") || !isASCII(u.UserPrincipalName) {
			t.Errorf("got UPN %q, want ASCII on contoso.onmicrosoft.com", u.UserPrincipalName)
		}
		if u.Mail != "" && !strings.HasSuffix(u.Mail, "@contoso.com") {
			t.Errorf("got mail %q, want one on contoso.com", u.Mail)
		}
		if !isASCII(u.DisplayName) {
			nonASCII++
		}
		if u.DisplayName == "" || u.Department == "" || u.JobTitle == "" || u.CountryRegion == "" || u.Company != "Contoso" {
			t.Errorf("user %+v lacks realistic fields", u)
		}
		if !u.LastPasswordChange.IsZero() {
			if age := demo.Anchor.Sub(u.LastPasswordChange); age < 0 || age > 731*24*time.Hour {
				t.Errorf("password changed %v before the anchor, want within two years", age)
			}
		}
		if u.IsTestUser && (u.StartDate == 0 || u.EndDate <= u.StartDate) {
			t.Errorf("test user %s has window %d–%d, want one", u.ID, u.StartDate, u.EndDate)
		}
	}
	if nonASCII < len(users)/20 {
		t.Errorf("got %d display names with non-ASCII letters, want at least %d", nonASCII, len(users)/20)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestUsersStatusMix(t *testing.T) {
	t.Parallel()
	users := demo.Users(1, 20000, "contoso.onmicrosoft.com")
	n := float64(len(users))
	var none float64
	var count [secusers.NumStatuses]float64
	for _, u := range users {
		if u.Status == 0 {
			none++
		}
		for _, st := range u.Status.Statuses() {
			count[st]++
		}
	}
	if share := none / n; share < 0.30 || share > 0.40 {
		t.Errorf("got %.1f%% users without status, want about 35%%", 100*share)
	}
	// Bounds in percent of users: the proportions of a real tenant, with
	// room for the generator's way of reaching 65% flagged users.
	for _, tc := range []struct {
		st       secusers.Status
		min, max float64
	}{
		{secusers.MFADisabled, 18, 35}, {secusers.SignInBlocked, 2, 7}, {secusers.PasswordExpired, 6, 16},
		{secusers.HighRisk, 0.5, 3}, {secusers.MediumRisk, 2, 7}, {secusers.Compliance, 4, 11},
		{secusers.Inactive, 8, 20}, {secusers.PendingDeletion, 0.5, 3}, {secusers.TestUser, 0.3, 3},
	} {
		if got := 100 * count[tc.st] / n; got < tc.min || got > tc.max {
			t.Errorf("%v: got %.1f%% of users, want %.1f%%–%.1f%%", tc.st, got, tc.min, tc.max)
		}
	}
}

func TestStatusMixCustom(t *testing.T) {
	t.Parallel()
	// The load harness's kind of tenant: fewer security users, one rare
	// finding at about 1% of users.
	mix := demo.DefaultMix
	mix.Flagged = 0.30
	mix.Weights[secusers.HighRisk] = 1.4
	n, flagged, high := 0, 0, 0
	for u, err := range mix.UserSeq(3, 20000, "fabrikam.onmicrosoft.com", demo.Anchor) {
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Validate(); err != nil {
			t.Fatalf("user %+v: %v", u, err)
		}
		n++
		if u.Status != 0 {
			flagged++
		}
		if u.Status.Has(secusers.HighRisk) {
			high++
		}
	}
	if share := float64(flagged) / float64(n); share < 0.28 || share > 0.32 {
		t.Errorf("got %.1f%% flagged users, want about 30%%", 100*share)
	}
	if share := float64(high) / float64(n); share < 0.007 || share > 0.013 {
		t.Errorf("got %.2f%% HighRisk users, want about 1%%", 100*share)
	}
}

func openStore(t *testing.T) secusers.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestEnsureIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	first, err := demo.Ensure(ctx, st, now, demo.Config{Users: 300})
	if err != nil {
		t.Fatalf("first Ensure: %v", err)
	}
	if first.Seeded != 300 || first.SecurityUsers == 0 || first.SecurityUsers >= 300 {
		t.Errorf("first Ensure seeded %d users, %d security users; want 300 and some but not all", first.Seeded, first.SecurityUsers)
	}
	if first.ClientSecret == "" || !first.SecretExpiresAt.Equal(now.AddDate(1, 0, 0)) {
		t.Errorf("got secret %q expiring %v, want one expiring a year after now", first.ClientSecret, first.SecretExpiresAt)
	}
	second, err := demo.Ensure(ctx, st, now.Add(time.Hour), demo.Config{Users: 300})
	if err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if second.Seeded != 0 || second.SecurityUsers != first.SecurityUsers {
		t.Errorf("second Ensure seeded %d, has %d security users; want 0 and %d", second.Seeded, second.SecurityUsers, first.SecurityUsers)
	}
	if second.ClientSecret == first.ClientSecret {
		t.Errorf("second Ensure returned the first secret again, want a fresh one")
	}
	checkOneOfEach(ctx, t, st)
	secrets, err := st.ClientSecrets(ctx, demo.ClientID)
	if err != nil || len(secrets) != 2 {
		t.Errorf("got %d secrets (%v), want 2", len(secrets), err)
	}
	app, err := st.App(ctx, demo.ClientID)
	if err != nil || !app.HasPermission(secusers.PermissionReadUsers) || app.Scope.Kind != secusers.ScopeAllCustomers {
		t.Errorf("got app %+v (%v), want %s over all customers", app, err, secusers.PermissionReadUsers)
	}
}

// checkOneOfEach fails unless the store holds exactly the demo's partner,
// customer, tenant and app.
func checkOneOfEach(ctx context.Context, t *testing.T, st secusers.Store) {
	t.Helper()
	partners, err := st.Partners(ctx)
	if err != nil || len(partners) != 1 || partners[0].ID != demo.PartnerID {
		t.Errorf("got partners %+v (%v), want only the demo's", partners, err)
	}
	customers, err := st.Customers(ctx, demo.PartnerID)
	if err != nil || len(customers) != 1 || customers[0].ID != demo.CustomerID {
		t.Errorf("got customers %+v (%v), want only the demo's", customers, err)
	}
	tenants, err := st.Tenants(ctx, "")
	if err != nil || len(tenants) != 1 || tenants[0].ID != demo.TenantID {
		t.Errorf("got tenants %+v (%v), want only the demo's", tenants, err)
	}
	apps, err := st.Apps(ctx, demo.PartnerID)
	if err != nil || len(apps) != 1 || apps[0].ClientID != demo.ClientID {
		t.Errorf("got apps %+v (%v), want only the demo's", apps, err)
	}
}

func TestEnsureKeepsImportedUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	if _, err := demo.Ensure(ctx, st, now, demo.Config{Users: 10}); err != nil {
		t.Fatal(err)
	}
	mine := demo.Users(99, 3, demo.Domain)
	if _, err := st.ReplaceUsers(ctx, demo.TenantID, func(yield func(secusers.User, error) bool) {
		for _, u := range mine {
			if !yield(u, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	res, err := demo.Ensure(ctx, st, now, demo.Config{Users: 10})
	if err != nil || res.Seeded != 0 {
		t.Fatalf("Ensure: seeded %d, %v; want 0, nil", res.Seeded, err)
	}
	n := 0
	for _, err := range st.Users(ctx, demo.TenantID) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(mine) {
		t.Errorf("got %d users after Ensure, want the %d imported ones", n, len(mine))
	}
}

func TestEnsureRefusesForeignIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	other, err := st.CreatePartner(ctx, secusers.Partner{ID: "00000000-0000-4000-8000-0000000000aa", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCustomer(ctx, secusers.Customer{ID: demo.CustomerID, PartnerID: other.ID, Organization: "Not the demo"}); err != nil {
		t.Fatal(err)
	}
	_, err = demo.Ensure(ctx, st, time.Now(), demo.Config{Users: 10})
	if !secusers.IsKind(err, secusers.Conflict) || !strings.Contains(err.Error(), demo.CustomerID) {
		t.Errorf("got %v, want a conflict naming %s", err, demo.CustomerID)
	}
}
