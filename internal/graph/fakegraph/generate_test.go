package fakegraph

import (
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
)

// snapshot is every item of a tenant, for comparing two generations.
func snapshot(t *testing.T, tn *Tenant) string {
	t.Helper()
	all := map[string]any{
		"id":            tn.EntraTenantID,
		"domains":       slices.Collect(tn.Domains.Values()),
		"users":         slices.Collect(tn.Users.Values()),
		"registrations": slices.Collect(tn.Registrations.Values()),
		"risky":         slices.Collect(tn.RiskyUsers.Values()),
		"devices":       slices.Collect(tn.Devices.Values()),
		"deleted":       slices.Collect(tn.Deleted.Values()),
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a := snapshot(t, Generate(7, 400, testNow, GenerateOptions{}))
	b := snapshot(t, Generate(7, 400, testNow, GenerateOptions{}))
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different tenants (-first +second):\n%s", diff)
	}
	if c := snapshot(t, Generate(8, 400, testNow, GenerateOptions{})); c == a {
		t.Error("seeds 7 and 8 gave the same tenant")
	}
	// Item i does not depend on the order items are asked for.
	tn := Generate(7, 400, testNow, GenerateOptions{})
	late := tn.Users.At(399)
	if diff := cmp.Diff(Generate(7, 400, testNow, GenerateOptions{}).Users.At(399), late); diff != "" {
		t.Errorf("user 399 depends on what was generated before (-want +got):\n%s", diff)
	}
}

func TestGenerateSizes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 3, 4, 7, 49, 50, 51, 300, 1001} {
		tn := Generate(1, n, testNow, GenerateOptions{})
		if tn.Users.Len != n {
			t.Errorf("n=%d: got %d users", n, tn.Users.Len)
		}
		// Every index is valid: At panics on an arithmetic slip.
		for range tn.Registrations.Values() {
		}
		for range tn.RiskyUsers.Values() {
		}
		for range tn.Deleted.Values() {
		}
		devices := 0
		for f := range tn.Facts() {
			devices += len(f.Devices)
		}
		userless := 0
		for d := range tn.Devices.Values() {
			if d.UserID == "" {
				userless++
			}
		}
		if devices+userless != tn.Devices.Len {
			t.Errorf("n=%d: %d devices of users + %d without, want %d", n, devices, userless, tn.Devices.Len)
		}
	}
}

// TestGenerateReferences checks that the reads agree with each other as a
// real directory's do.
func TestGenerateReferences(t *testing.T) {
	t.Parallel()
	tn := Generate(3, 2000, testNow, GenerateOptions{})
	users := map[string]graph.User{}
	for u := range tn.Users.Values() {
		users[u.ID] = u
	}
	deleted := map[string]graph.User{}
	for u := range tn.Deleted.Values() {
		if _, dup := users[u.ID]; dup {
			t.Errorf("deleted user %s is also active", u.ID)
		}
		deleted[u.ID] = u
	}
	if len(users) != tn.Users.Len || len(deleted) != tn.Deleted.Len {
		t.Fatalf("ids not unique: %d of %d users, %d of %d deleted", len(users), tn.Users.Len, len(deleted), tn.Deleted.Len)
	}
	upns := map[string]bool{}
	for _, u := range users {
		if _, ok := tn.DomainOf(*u.UserPrincipalName); !ok {
			t.Errorf("%s: no such domain", *u.UserPrincipalName)
		}
		if upns[*u.UserPrincipalName] {
			t.Errorf("UPN %s twice", *u.UserPrincipalName)
		}
		upns[*u.UserPrincipalName] = true
	}
	seen := map[string]bool{}
	for r := range tn.Registrations.Values() {
		u, ok := users[r.ID]
		if !ok || seen[r.ID] || r.UserPrincipalName != *u.UserPrincipalName {
			t.Errorf("registration %s: not exactly one active user", r.ID)
		}
		seen[r.ID] = true
	}
	clear(seen)
	for r := range tn.RiskyUsers.Values() {
		_, active := users[r.ID]
		_, gone := deleted[r.ID]
		if seen[r.ID] || active == r.IsDeleted || gone != r.IsDeleted {
			t.Errorf("risky user %s: active %v, deleted %v, isDeleted %v", r.ID, active, gone, r.IsDeleted)
		}
		seen[r.ID] = true
	}
	for d := range tn.Devices.Values() {
		if _, ok := users[d.UserID]; d.UserID != "" && !ok {
			t.Errorf("device %s: user %s does not exist", d.ID, d.UserID)
		}
	}
	for _, u := range deleted {
		if !strings.HasPrefix(*u.UserPrincipalName, strings.ReplaceAll(u.ID, "-", "")) || u.DeletedDateTime == nil {
			t.Errorf("deleted user %s: UPN %s, deletedDateTime %v", u.ID, *u.UserPrincipalName, u.DeletedDateTime)
		}
	}
}

// TestGenerateMargins checks that no fact sits near a rule's threshold, so
// that a sync running a little after the generation sees the same statuses.
func TestGenerateMargins(t *testing.T) {
	t.Parallel()
	const margin = 12 * time.Hour
	for _, inactive := range []int{0, 30, 90, 365} {
		tn := Generate(5, 1500, testNow, GenerateOptions{InactiveDays: inactive})
		if inactive == 0 {
			inactive = DefaultInactiveDays
		}
		near := func(what string, u graph.User, at, threshold time.Time) {
			if d := at.Sub(threshold); d > -margin && d < margin {
				t.Errorf("inactive=%d user %s: %s %v is within %v of its threshold %v", inactive, u.ID, what, at, margin, threshold)
			}
		}
		for f := range tn.Facts() {
			u := f.User
			if v := f.Domain.PasswordValidityPeriodInDays; v != nil && *v != graph.NeverExpires {
				near("password expiry", u, u.LastPasswordChangeDateTime.Add(days(int(*v))), testNow)
			}
			last := *u.CreatedDateTime
			if a := u.SignInActivity; a != nil {
				if l, _ := latest(a.LastSignInDateTime, a.LastNonInteractiveSignInDateTime); l != nil {
					last = *l
				}
			}
			near("last activity", u, last, testNow.Add(-days(inactive)))
			for _, ts := range []*time.Time{u.LastPasswordChangeDateTime, signIn(u, true), signIn(u, false)} {
				if ts != nil && !ts.IsZero() && ts.Before(*u.CreatedDateTime) {
					t.Errorf("user %s: %v before its creation %v", u.ID, ts, u.CreatedDateTime)
				}
			}
		}
		for u := range tn.Deleted.Values() {
			near("deletion", u, *u.DeletedDateTime, testNow.Add(-days(30)))
		}
	}
}

func signIn(u graph.User, interactive bool) *time.Time {
	switch {
	case u.SignInActivity == nil:
		return nil
	case interactive:
		return u.SignInActivity.LastSignInDateTime
	default:
		return u.SignInActivity.LastNonInteractiveSignInDateTime
	}
}

// TestGenerateCoversEveryCase checks the promise of Generate's doc comment
// at MinCoverage users.
func TestGenerateCoversEveryCase(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{1, 2, 99, -5} {
		checkCoverage(t, Generate(seed, MinCoverage, testNow, GenerateOptions{}))
	}
}

func checkCoverage(t *testing.T, tn *Tenant) {
	t.Helper()
	cases := map[string]bool{}
	has := func(c string) { cases[c] = true }
	for d := range tn.Domains.Values() {
		switch v := d.PasswordValidityPeriodInDays; {
		case v == nil:
			has("domain null")
		case *v == graph.NeverExpires:
			has("domain never")
		default:
			has("domain expiring")
		}
	}
	for f := range tn.Facts() {
		coverUser(f, has)
	}
	for r := range tn.RiskyUsers.Values() {
		if r.IsDeleted {
			has("risk of a deleted user")
			continue
		}
		has("risk " + r.RiskLevel + "/" + r.RiskState)
	}
	for d := range tn.Devices.Values() {
		has("device " + d.ComplianceState)
		if d.UserID == "" {
			has("device without user")
		}
	}
	for u := range tn.Deleted.Values() {
		switch ago := testNow.Sub(*u.DeletedDateTime); {
		case ago > days(30):
			has("deleted outside 30 days")
		case ago > days(28):
			has("deleted just inside 30 days")
		default:
			has("deleted inside 30 days")
		}
	}
	want := []string{
		"domain null", "domain never", "domain expiring",
		"password recent", "password expired", "password expired, DisablePasswordExpiration",
		"password expired, DisablePasswordExpiration, DisableStrongPassword", "password expired, DisableStrongPassword",
		"password expired, synced", "password expired, sync false", "password old, domain never", "password old, domain null",
		"disabled", "enabled", "signInActivity null", "never signed in, new", "never signed in, old",
		"interactive recent", "interactive old", "non-interactive recent", "non-interactive old", "non-interactive 0001-01-01",
		"interactive old, non-interactive recent", "interactive recent, non-interactive old",
		"not in registrations", "mfa registered", "mfa not registered",
		"0 devices", "1 devices", "2 devices", "3 devices", "device without user",
		"0 phones", "1 phones", "2 phones", "3 phones", "all nullable fields null",
		"risk of a deleted user", "deleted outside 30 days", "deleted just inside 30 days", "deleted inside 30 days",
	}
	for _, l := range riskLevels {
		for _, s := range riskStates {
			want = append(want, "risk "+l+"/"+s)
		}
	}
	for _, s := range complianceStates {
		want = append(want, "device "+s)
	}
	for _, c := range want {
		if !cases[c] {
			t.Errorf("no %q in a %d-user tenant", c, MinCoverage)
		}
	}
}

// coverUser names the cases user f is an example of.
func coverUser(f UserFacts, has func(string)) {
	u := f.User
	v := f.Domain.PasswordValidityPeriodInDays
	oldPassword := testNow.Sub(*u.LastPasswordChangeDateTime) > days(90)
	switch {
	case v == nil && oldPassword:
		has("password old, domain null")
	case v != nil && *v == graph.NeverExpires && oldPassword:
		has("password old, domain never")
	case v != nil && *v != graph.NeverExpires && u.LastPasswordChangeDateTime.Add(days(int(*v))).Before(testNow):
		p := "password expired"
		if u.PasswordPolicies != nil {
			p += ", " + *u.PasswordPolicies
		}
		if s := u.OnPremisesSyncEnabled; s != nil && *s {
			p += ", synced"
		} else if s != nil {
			p += ", sync false"
		}
		has(p)
	case v != nil && *v != graph.NeverExpires:
		has("password recent")
	}
	if *u.AccountEnabled {
		has("enabled")
	} else {
		has("disabled")
	}
	describeSignIns(u, has)
	switch {
	case f.Registration == nil:
		has("not in registrations")
	case f.Registration.IsMfaRegistered:
		has("mfa registered")
	default:
		has("mfa not registered")
	}
	has(string(rune('0'+len(f.Devices))) + " devices")
	has(string(rune('0'+len(u.BusinessPhones))) + " phones")
	if u.GivenName == nil && u.Surname == nil && u.Mail == nil && u.EmployeeID == nil && u.OfficeLocation == nil &&
		u.Department == nil && u.MobilePhone == nil && u.JobTitle == nil && u.CompanyName == nil && u.Country == nil {
		has("all nullable fields null")
	}
}

func describeSignIns(u graph.User, has func(string)) {
	a := u.SignInActivity
	if a == nil {
		has("signInActivity null")
		return
	}
	age := func(ts *time.Time) string {
		switch {
		case ts == nil:
			return ""
		case ts.IsZero():
			return "0001-01-01"
		case testNow.Sub(*ts) > days(DefaultInactiveDays):
			return "old"
		default:
			return "recent"
		}
	}
	in, non := age(a.LastSignInDateTime), age(a.LastNonInteractiveSignInDateTime)
	switch {
	case in == "" && non == "" && testNow.Sub(*u.CreatedDateTime) < days(DefaultInactiveDays):
		has("never signed in, new")
	case in == "" && non == "":
		has("never signed in, old")
	}
	if in != "" {
		has("interactive " + in)
	}
	if non != "" {
		has("non-interactive " + non)
	}
	if in != "" && non != "" && in != non {
		has("interactive " + in + ", non-interactive " + non)
	}
}

// TestGenerateMemoryIsConstant: a 1,000,000-user tenant costs what a small
// one does until its items are asked for.
func TestGenerateMemoryIsConstant(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tn := Generate(1, 1_000_000, testNow, GenerateOptions{})
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
		t.Errorf("Generate(1,000,000) allocated %d bytes, want < 64 KiB", grew)
	}
	last := tn.Users.At(999_999)
	if last.ID == "" || tn.Devices.At(tn.Devices.Len-1).ID == "" || tn.RiskyUsers.At(tn.RiskyUsers.Len-1).ID == "" {
		t.Error("the last items of a 1,000,000-user tenant are empty")
	}
}
