package rules_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// FuzzGraphUser decodes a Graph user payload and runs every rule on it: no
// rule panics, and ToUser (through UserStatus or DeletedUser) always gives a
// user the store accepts when the id is a GUID.
func FuzzGraphUser(f *testing.F) {
	f.Add([]byte(graphUserJSON), 90)
	f.Add([]byte(`{"id":"`+alice+`","displayName":"A\u0000B","givenName":"\ud800","businessPhones":[""]}`), 0)
	f.Add([]byte(`{"id":"`+alice+`","userPrincipalName":"@","passwordPolicies":",,,",
		"lastPasswordChangeDateTime":"0001-01-01T00:00:00Z","createdDateTime":"9999-12-31T23:59:59Z",
		"signInActivity":null,"deletedDateTime":"2025-06-14T00:00:00Z"}`), -1)
	f.Add([]byte(`{"id":"`+alice+`","userPrincipalName":"a@huge.example","lastPasswordChangeDateTime":"2000-01-01T00:00:00Z"}`), 1<<40)
	f.Add([]byte(`{"id":"`+alice+`","surname":"`+strings.Repeat("\\u00e9", 2000)+`"}`), 90)
	f.Fuzz(func(t *testing.T, data []byte, inactiveDays int) {
		var u graph.User
		if json.Unmarshal(data, &u) != nil {
			return
		}
		facts := fuzzFacts(u)
		status := facts.UserStatus(u, now, inactiveDays)
		if !status.Valid() || status.Has(secusers.PendingDeletion) || status.Has(secusers.TestUser) {
			t.Fatalf("UserStatus gave %v: only statuses 0–6 come from read 2", status)
		}
		checkStorable(t, u, rules.ToUser(u, status))
		if deleted, ok := rules.DeletedUser(u, now); ok {
			checkStorable(t, u, deleted)
		}
	})
}

// fuzzFacts returns Facts that flag u in every read and hold hostile
// domain values for the domain of its UPN.
func fuzzFacts(u graph.User) *rules.Facts {
	f := &rules.Facts{}
	if u.UserPrincipalName != nil {
		if i := strings.LastIndexByte(*u.UserPrincipalName, '@'); i >= 0 {
			name := (*u.UserPrincipalName)[i+1:]
			f.AddDomain(graph.Domain{ID: name, PasswordValidityPeriodInDays: ptr[int64](int64(len(name)) << 58)})
			f.AddDomain(graph.Domain{ID: strings.ToUpper(name), PasswordValidityPeriodInDays: ptr[int64](1)})
		}
	}
	f.AddRegistration(graph.RegistrationDetail{ID: u.ID})
	f.AddRiskyUser(graph.RiskyUser{ID: u.ID, RiskLevel: "high", RiskState: "atRisk"})
	f.AddDevice(graph.ManagedDevice{UserID: u.ID, ComplianceState: "noncompliant"})
	return f
}

func checkStorable(t *testing.T, in graph.User, u secusers.User) {
	t.Helper()
	for _, s := range []string{u.ID, u.UserPrincipalName, u.Mail, u.DisplayName, u.FirstName, u.LastName,
		u.EmployeeID, u.Location, u.Department, u.Mobile, u.JobTitle, u.OfficePhone, u.Company, u.CountryRegion} {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || len(s) > secusers.MaxFieldLength {
			t.Fatalf("ToUser let through %q", s)
		}
	}
	if _, ok := secusers.ParseGUID(in.ID); !ok {
		return
	}
	if err := u.Validate(); err != nil {
		t.Fatalf("Validate of ToUser(%q): %v", in.ID, err)
	}
}

// FuzzCleanText feeds CleanText raw bytes, which a JSON decoder never
// produces (it replaces invalid UTF-8 itself) but any other source could.
func FuzzCleanText(f *testing.F) {
	f.Add("Adele")
	f.Add("a\x00b\xff\xfe")
	f.Add(strings.Repeat("€", 400))
	f.Fuzz(func(t *testing.T, s string) {
		got := rules.CleanText(&s)
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 || len(got) > secusers.MaxFieldLength {
			t.Fatalf("CleanText(%q) = %q: not storable", s, got)
		}
		if utf8.ValidString(s) && !strings.Contains(s, "\x00") && len(s) <= secusers.MaxFieldLength && got != s {
			t.Fatalf("CleanText changed clean text %q to %q", s, got)
		}
	})
}
