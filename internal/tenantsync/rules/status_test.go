package rules_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// everything returns Facts in which alice earns every status of the reads
// and a user for whom read 2 earns the others.
func everything() (*rules.Facts, graph.User) {
	f := &rules.Facts{}
	f.AddDomain(graph.Domain{ID: "contoso.com", PasswordValidityPeriodInDays: ptr[int64](90)})
	f.AddRegistration(graph.RegistrationDetail{ID: alice})
	f.AddRiskyUser(graph.RiskyUser{ID: alice, RiskLevel: "high", RiskState: "atRisk"})
	f.AddDevice(graph.ManagedDevice{ID: "d1", UserID: alice, ComplianceState: "noncompliant"})
	u := user(alice)
	u.AccountEnabled = ptr(false)
	u.LastPasswordChangeDateTime = at(-100, 0)
	u.SignInActivity = &graph.SignInActivity{LastSignInDateTime: at(-100, 0)}
	return f, u
}

func TestUserStatus(t *testing.T) {
	t.Parallel()
	f, u := everything()
	want := secusers.StatusSetOf(secusers.MFADisabled, secusers.SignInBlocked, secusers.PasswordExpired,
		secusers.HighRisk, secusers.Compliance, secusers.Inactive)
	if got := f.UserStatus(u, now, 90); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	clean := user(bob)
	if got := f.UserStatus(clean, now, 90); got != 0 {
		t.Errorf("a user no read flags: got %v, want None", got)
	}
	if got := (&rules.Facts{}).UserStatus(user(alice), now, 90); got != 0 {
		t.Errorf("empty Facts: got %v, want None", got)
	}
}

func TestUserStatusUnavailable(t *testing.T) {
	t.Parallel()
	for _, s := range []secusers.Status{
		secusers.MFADisabled, secusers.SignInBlocked, secusers.PasswordExpired,
		secusers.HighRisk, secusers.Compliance, secusers.Inactive,
	} {
		f, u := everything()
		f.Unavailable(s, "403 Forbidden")
		if got := f.UserStatus(u, now, 90); got.Has(s) {
			t.Errorf("%v unavailable: got %v, which still has it", s, got)
		}
	}
}

func TestUnavailableStatuses(t *testing.T) {
	t.Parallel()
	var f rules.Facts
	f.Unavailable(secusers.Inactive, "signInActivity needs Entra ID P1")
	f.Unavailable(secusers.HighRisk, "403 from riskyUsers")
	f.Unavailable(secusers.MediumRisk, "403 from riskyUsers")
	f.Unavailable(secusers.HighRisk, "a later reason is not kept")
	f.Unavailable(secusers.Status(200), "an undefined status is ignored")
	want := []rules.UnavailableStatus{
		{Status: secusers.HighRisk, Reason: "403 from riskyUsers"},
		{Status: secusers.MediumRisk, Reason: "403 from riskyUsers"},
		{Status: secusers.Inactive, Reason: "signInActivity needs Entra ID P1"},
	}
	if diff := cmp.Diff(want, f.UnavailableStatuses()); diff != "" {
		t.Errorf("UnavailableStatuses (-want +got):\n%s", diff)
	}
	if got := (&rules.Facts{}).UnavailableStatuses(); len(got) != 0 {
		t.Errorf("nothing unavailable: got %v, want none", got)
	}
}

// TestFactsConcurrent streams reads 3–5 from goroutines at once, as the sync
// may; run with -race.
func TestFactsConcurrent(t *testing.T) {
	t.Parallel()
	var f rules.Facts
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 1000 {
			f.AddRegistration(graph.RegistrationDetail{ID: alice})
		}
	})
	wg.Go(func() {
		for range 1000 {
			f.AddRiskyUser(graph.RiskyUser{ID: alice, RiskLevel: "medium", RiskState: "atRisk"})
		}
	})
	wg.Go(func() {
		for range 1000 {
			f.AddDevice(graph.ManagedDevice{UserID: alice, ComplianceState: "noncompliant"})
		}
	})
	wg.Go(func() {
		for range 1000 {
			f.AddDomain(graph.Domain{ID: "contoso.com"})
			f.UserStatus(user(alice), now, 90)
		}
	})
	wg.Wait()
	want := secusers.StatusSetOf(secusers.MFADisabled, secusers.MediumRisk, secusers.Compliance)
	if got := f.UserStatus(user(alice), now, 90); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestUnavailableStatusJSON(t *testing.T) {
	t.Parallel()
	got, err := json.Marshal([]rules.UnavailableStatus{{Status: secusers.MFADisabled, Reason: "403: no Entra ID P1"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"status":"MFADisabled","reason":"403: no Entra ID P1"}]`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
