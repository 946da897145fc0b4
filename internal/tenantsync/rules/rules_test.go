package rules_test

import (
	"testing"
	"time"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

func TestSignInBlocked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		enabled *bool
		want    bool
	}{
		{"accountEnabled false", ptr(false), true},
		{"accountEnabled true", ptr(true), false},
		{"accountEnabled null is not a finding", nil, false},
	} {
		u := user(alice)
		u.AccountEnabled = tc.enabled
		if got := rules.SignInBlocked(u); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPasswordExpiredIn(t *testing.T) {
	t.Parallel()
	domain := func(v *int64) graph.Domain { return graph.Domain{ID: "contoso.com", PasswordValidityPeriodInDays: v} }
	ninety := domain(ptr[int64](90))
	for _, tc := range []struct {
		name       string
		changed    *time.Time
		policies   *string
		onPremises *bool
		domain     graph.Domain
		want       bool
	}{
		{"changed 91 days ago, 90-day policy", at(-91, 0), nil, nil, ninety, true},
		{"one nanosecond past the boundary", at(-90, -time.Nanosecond), nil, nil, ninety, true},
		{"exactly at the boundary: not yet expired", at(-90, 0), nil, nil, ninety, false},
		{"one nanosecond before the boundary", at(-90, time.Nanosecond), nil, nil, ninety, false},
		{"changed yesterday", at(-1, 0), nil, nil, ninety, false},
		{"DisablePasswordExpiration", at(-400, 0), ptr("DisablePasswordExpiration"), nil, ninety, false},
		{"DisablePasswordExpiration in a list", at(-400, 0), ptr("DisableStrongPassword, DisablePasswordExpiration"), nil, ninety, false},
		{"DisablePasswordExpiration in another letter case", at(-400, 0), ptr("disablepasswordexpiration"), nil, ninety, false},
		{"other policies only", at(-400, 0), ptr("DisableStrongPassword"), nil, ninety, true},
		{"policy None", at(-400, 0), ptr("None"), nil, ninety, true},
		{"a policy that only contains the name does not count", at(-400, 0), ptr("NotDisablePasswordExpirationReally"), nil, ninety, true},
		{"onPremisesSyncEnabled true", at(-400, 0), nil, ptr(true), ninety, false},
		{"onPremisesSyncEnabled false", at(-400, 0), nil, ptr(false), ninety, true},
		{"domain value null", at(-400, 0), nil, nil, domain(nil), false},
		{"domain value never expires", at(-4000, 0), nil, nil, domain(ptr[int64](graph.NeverExpires)), false},
		{"domain value 0", at(-400, 0), nil, nil, domain(ptr[int64](0)), false},
		{"domain value negative", at(-400, 0), nil, nil, domain(ptr[int64](-5)), false},
		{"domain value just below never", at(-400, 0), nil, nil, domain(ptr[int64](graph.NeverExpires - 1)), false},
		{"lastPasswordChangeDateTime null", nil, nil, nil, ninety, false},
		{"changed in the future (clock skew)", at(1, 0), nil, nil, ninety, false},
	} {
		u := user(alice)
		u.LastPasswordChangeDateTime = tc.changed
		u.PasswordPolicies = tc.policies
		u.OnPremisesSyncEnabled = tc.onPremises
		if got := rules.PasswordExpiredIn(u, tc.domain, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPasswordExpiredDomainOfUPN(t *testing.T) {
	t.Parallel()
	var f rules.Facts
	f.AddDomain(graph.Domain{ID: "Contoso.com", PasswordValidityPeriodInDays: ptr[int64](90)})
	f.AddDomain(graph.Domain{ID: "contoso.onmicrosoft.com", PasswordValidityPeriodInDays: ptr[int64](graph.NeverExpires)})
	for _, tc := range []struct {
		name string
		upn  *string
		want bool
	}{
		{"domain matched case-insensitively", ptr("alice@CONTOSO.COM"), true},
		{"a guest: the part after the last @", ptr("alice_fabrikam.com#EXT#@contoso.com"), true},
		{"the part before the last @ is not the domain", ptr("alice@contoso.com@contoso.onmicrosoft.com"), false},
		{"a domain whose passwords never expire", ptr("alice@contoso.onmicrosoft.com"), false},
		{"a domain read 1 did not list", ptr("alice@fabrikam.com"), false},
		{"a subdomain is another domain", ptr("alice@eu.contoso.com"), false},
		{"no @", ptr("alice"), false},
		{"nothing after the @", ptr("alice@"), false},
		{"UPN null", nil, false},
	} {
		u := user(alice)
		u.UserPrincipalName = tc.upn
		u.LastPasswordChangeDateTime = at(-100, 0)
		if got := f.PasswordExpired(u, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// zeroTime is how Graph's samples write "never signed in".
var zeroTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

func TestInactive(t *testing.T) {
	t.Parallel()
	signIn := func(interactive, nonInteractive *time.Time) *graph.SignInActivity {
		return &graph.SignInActivity{LastSignInDateTime: interactive, LastNonInteractiveSignInDateTime: nonInteractive}
	}
	for _, tc := range []struct {
		name     string
		activity *graph.SignInActivity
		created  *time.Time
		days     int
		want     bool
	}{
		{"interactive sign-in 91 days ago", signIn(at(-91, 0), nil), at(-500, 0), 90, true},
		{"non-interactive sign-in 91 days ago", signIn(nil, at(-91, 0)), at(-500, 0), 90, true},
		{"one nanosecond past the boundary", signIn(at(-90, -time.Nanosecond), nil), at(-500, 0), 90, true},
		{"exactly at the boundary: not yet inactive", signIn(at(-90, 0), nil), at(-500, 0), 90, false},
		{"one nanosecond before the boundary", signIn(at(-90, time.Nanosecond), nil), at(-500, 0), 90, false},
		{"the later of the two counts: recent non-interactive", signIn(at(-200, 0), at(-5, 0)), at(-500, 0), 90, false},
		{"the later of the two counts: recent interactive", signIn(at(-5, 0), at(-200, 0)), at(-500, 0), 90, false},
		{"both old", signIn(at(-200, 0), at(-100, 0)), at(-500, 0), 90, true},
		{"never signed in, created long ago", signIn(nil, nil), at(-91, 0), 90, true},
		{"never signed in, created recently", signIn(nil, nil), at(-89, 0), 90, false},
		{"never signed in, created exactly at the boundary", signIn(nil, nil), at(-90, 0), 90, false},
		{"signInActivity null counts from createdDateTime", nil, at(-91, 0), 90, true},
		{"nothing known at all", nil, nil, 90, false},
		{"an old creation does not matter once signed in", signIn(at(-1, 0), nil), at(-5000, 0), 90, false},
		{"tenant threshold 30 days", signIn(at(-31, 0), nil), at(-500, 0), 30, true},
		{"tenant threshold 180 days", signIn(at(-179, 0), nil), at(-500, 0), 180, false},
		{"threshold 0 means the default 90", signIn(at(-89, 0), nil), at(-500, 0), 0, false},
		{"threshold 0 means the default 90, past it", signIn(at(-91, 0), nil), at(-500, 0), 0, true},
		{"a huge threshold never overflows", signIn(at(-91, 0), nil), at(-500, 0), int(^uint(0) >> 1), false},
		{"sign-in in the future (clock skew)", signIn(at(3, 0), nil), at(-500, 0), 90, false},
		{"Graph's 0001-01-01 for never, created recently", signIn(&zeroTime, &zeroTime), at(-10, 0), 90, false},
		{"Graph's 0001-01-01 for never, created long ago", signIn(&zeroTime, &zeroTime), at(-100, 0), 90, true},
	} {
		u := user(alice)
		u.SignInActivity = tc.activity
		u.CreatedDateTime = tc.created
		if got := rules.Inactive(u, now, tc.days); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPendingDeletion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		deleted *time.Time
		want    bool
	}{
		{"deleted yesterday", at(-1, 0), true},
		{"deleted 29 days ago", at(-29, 0), true},
		{"one nanosecond inside the 30 days", at(-30, time.Nanosecond), true},
		{"exactly 30 days ago: gone", at(-30, 0), false},
		{"deleted 31 days ago", at(-31, 0), false},
		{"deleted a year ago", at(-365, 0), false},
		{"deleted in the future (clock skew)", at(1, 0), true},
		{"deletedDateTime null", nil, false},
	} {
		u := user(alice)
		u.DeletedDateTime = tc.deleted
		if got := rules.PendingDeletion(u, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMFADisabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		details []graph.RegistrationDetail
		want    bool
	}{
		{"isMfaRegistered false", []graph.RegistrationDetail{{ID: alice, IsMfaRegistered: false}}, true},
		{"isMfaRegistered true", []graph.RegistrationDetail{{ID: alice, IsMfaRegistered: true}}, false},
		{"not in read 3", []graph.RegistrationDetail{{ID: bob, IsMfaRegistered: false}}, false},
		{"id in upper case", []graph.RegistrationDetail{{ID: "0F8FAD5B-D9CB-469F-A165-70867728950E"}}, true},
		{"listed twice, false then true", []graph.RegistrationDetail{{ID: alice}, {ID: alice, IsMfaRegistered: true}}, true},
		{"listed twice, true then false", []graph.RegistrationDetail{{ID: alice, IsMfaRegistered: true}, {ID: alice}}, true},
		{"a non-GUID id flags no one", []graph.RegistrationDetail{{ID: "not-a-guid"}}, false},
	} {
		var f rules.Facts
		for _, d := range tc.details {
			f.AddRegistration(d)
		}
		if got := f.MFADisabled(user(alice)); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRisk(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level, state string
		high, medium bool
	}{
		{"high", "atRisk", true, false},
		{"high", "confirmedCompromised", true, false},
		{"medium", "atRisk", false, true},
		{"medium", "confirmedCompromised", false, true},
		{"HIGH", "ATRISK", true, false},
		{"low", "atRisk", false, false},
		{"hidden", "atRisk", false, false},
		{"none", "atRisk", false, false},
		{"unknownFutureValue", "atRisk", false, false},
		{"high", "none", false, false},
		{"high", "confirmedSafe", false, false},
		{"high", "remediated", false, false},
		{"high", "dismissed", false, false},
		{"high", "unknownFutureValue", false, false},
		{"medium", "dismissed", false, false},
		{"medium", "remediated", false, false},
		{"", "", false, false},
	} {
		var f rules.Facts
		f.AddRiskyUser(graph.RiskyUser{ID: alice, RiskLevel: tc.level, RiskState: tc.state})
		u := user(alice)
		if got := f.HighRisk(u); got != tc.high {
			t.Errorf("%s/%s: HighRisk got %v, want %v", tc.level, tc.state, got, tc.high)
		}
		if got := f.MediumRisk(u); got != tc.medium {
			t.Errorf("%s/%s: MediumRisk got %v, want %v", tc.level, tc.state, got, tc.medium)
		}
		if f.HighRisk(user(bob)) || f.MediumRisk(user(bob)) {
			t.Errorf("%s/%s: a user not in read 4 got a risk status", tc.level, tc.state)
		}
	}
}

func TestRiskListedTwiceKeepsTheHigher(t *testing.T) {
	t.Parallel()
	for _, order := range [][]string{{"medium", "high"}, {"high", "medium"}} {
		var f rules.Facts
		for _, level := range order {
			f.AddRiskyUser(graph.RiskyUser{ID: alice, RiskLevel: level, RiskState: "atRisk"})
		}
		if !f.HighRisk(user(alice)) || f.MediumRisk(user(alice)) {
			t.Errorf("%v: got high %v medium %v, want high only", order, f.HighRisk(user(alice)), f.MediumRisk(user(alice)))
		}
	}
}

func TestCompliance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		devices []graph.ManagedDevice
		want    bool
	}{
		{"a noncompliant device", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "noncompliant"}}, true},
		{"one noncompliant among compliant", []graph.ManagedDevice{
			{ID: "d1", UserID: alice, ComplianceState: "compliant"},
			{ID: "d2", UserID: alice, ComplianceState: "noncompliant"},
		}, true},
		{"letter case", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "NonCompliant"}}, true},
		{"compliant", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "compliant"}}, false},
		{"inGracePeriod", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "inGracePeriod"}}, false},
		{"conflict", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "conflict"}}, false},
		{"error", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "error"}}, false},
		{"unknown", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "unknown"}}, false},
		{"configManager", []graph.ManagedDevice{{ID: "d1", UserID: alice, ComplianceState: "configManager"}}, false},
		{"another user's noncompliant device", []graph.ManagedDevice{{ID: "d1", UserID: bob, ComplianceState: "noncompliant"}}, false},
		{"a device without a user", []graph.ManagedDevice{{ID: "d1", UserID: "", ComplianceState: "noncompliant"}}, false},
		{"no devices", nil, false},
	} {
		var f rules.Facts
		for _, d := range tc.devices {
			f.AddDevice(d)
		}
		if got := f.Compliance(user(alice)); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRulesHonourUnavailable(t *testing.T) {
	t.Parallel()
	var f rules.Facts
	f.AddDomain(graph.Domain{ID: "contoso.com", PasswordValidityPeriodInDays: ptr[int64](90)})
	f.AddRegistration(graph.RegistrationDetail{ID: alice})
	f.AddRiskyUser(graph.RiskyUser{ID: alice, RiskLevel: "high", RiskState: "atRisk"})
	f.AddDevice(graph.ManagedDevice{ID: "d1", UserID: alice, ComplianceState: "noncompliant"})
	for _, s := range []secusers.Status{secusers.MFADisabled, secusers.HighRisk, secusers.Compliance, secusers.PasswordExpired} {
		f.Unavailable(s, "refused")
	}
	u := user(alice)
	u.LastPasswordChangeDateTime = at(-100, 0)
	if f.MFADisabled(u) || f.HighRisk(u) || f.Compliance(u) || f.PasswordExpired(u, now) {
		t.Errorf("a rule answered true for an unavailable status: mfa %v high %v compliance %v password %v",
			f.MFADisabled(u), f.HighRisk(u), f.Compliance(u), f.PasswordExpired(u, now))
	}
}
