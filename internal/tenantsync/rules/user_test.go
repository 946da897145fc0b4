package rules_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// graphUserJSON is a user of read 2 as Graph sends it.
const graphUserJSON = `{
  "id": "0F8FAD5B-D9CB-469F-A165-70867728950E",
  "userPrincipalName": "AdeleV@contoso.com",
  "mail": "AdeleV@contoso.com",
  "displayName": "Adele Vance",
  "givenName": "Adele",
  "surname": "Vance",
  "employeeId": "E1042",
  "officeLocation": "18/2111",
  "department": "Retail",
  "mobilePhone": "+1 425 555 0109",
  "jobTitle": "Retail Manager",
  "businessPhones": ["+1 425 555 0100", "+1 425 555 0199"],
  "companyName": "Contoso",
  "country": "United States",
  "accountEnabled": true,
  "createdDateTime": "2021-03-04T05:06:07Z",
  "lastPasswordChangeDateTime": "2025-01-02T03:04:05+02:00",
  "passwordPolicies": "DisablePasswordExpiration",
  "onPremisesSyncEnabled": null,
  "signInActivity": {"lastSignInDateTime": "2025-06-01T00:00:00Z", "lastNonInteractiveSignInDateTime": null}
}`

func decode(t *testing.T, text string) graph.User {
	t.Helper()
	var u graph.User
	if err := json.Unmarshal([]byte(text), &u); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return u
}

func TestToUser(t *testing.T) {
	t.Parallel()
	u := decode(t, graphUserJSON)
	got := rules.ToUser(u, secusers.StatusSetOf(secusers.MFADisabled, secusers.TestUser))
	want := secusers.User{
		ID:                 alice,
		UserPrincipalName:  "AdeleV@contoso.com",
		Mail:               "AdeleV@contoso.com",
		DisplayName:        "Adele Vance",
		FirstName:          "Adele",
		LastName:           "Vance",
		EmployeeID:         "E1042",
		Location:           "18/2111",
		Department:         "Retail",
		Mobile:             "+1 425 555 0109",
		JobTitle:           "Retail Manager",
		OfficePhone:        "+1 425 555 0100",
		Company:            "Contoso",
		CountryRegion:      "United States",
		Status:             secusers.StatusSetOf(secusers.MFADisabled), // TestUser is the partner's
		LastPasswordChange: time.Date(2025, 1, 2, 1, 4, 5, 0, time.UTC),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ToUser (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestToUserNulls(t *testing.T) {
	t.Parallel()
	u := decode(t, `{"id":"`+alice+`","userPrincipalName":"a@contoso.com","mail":null,"displayName":null,
		"givenName":null,"surname":null,"employeeId":null,"officeLocation":null,"department":null,
		"mobilePhone":null,"jobTitle":null,"businessPhones":[],"companyName":null,"country":null,
		"lastPasswordChangeDateTime":null}`)
	got := rules.ToUser(u, 1<<15|secusers.StatusSetOf(secusers.Inactive))
	want := secusers.User{ID: alice, UserPrincipalName: "a@contoso.com", Status: secusers.StatusSetOf(secusers.Inactive)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ToUser (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestToUserNonGUIDFailsValidate(t *testing.T) {
	t.Parallel()
	got := rules.ToUser(graph.User{ID: "not-a-guid"}, 0)
	if err := got.Validate(); err == nil {
		t.Errorf("Validate of id %q: got nil, want an error", got.ID)
	}
}

func TestKeepPartnerFields(t *testing.T) {
	t.Parallel()
	fresh := secusers.User{ID: alice, DisplayName: "Adele (new)", Status: secusers.StatusSetOf(secusers.MFADisabled)}
	for _, tc := range []struct {
		name   string
		stored secusers.User
		want   secusers.User
	}{
		{
			name: "a test user keeps its flag, its bit and its window",
			stored: secusers.User{ID: alice, DisplayName: "Adele (old)", IsTestUser: true, StartDate: 1000, EndDate: 2000,
				Status: secusers.StatusSetOf(secusers.HighRisk, secusers.TestUser)},
			want: secusers.User{ID: alice, DisplayName: "Adele (new)", IsTestUser: true, StartDate: 1000, EndDate: 2000,
				Status: secusers.StatusSetOf(secusers.MFADisabled, secusers.TestUser)},
		},
		{
			name:   "a user the partner did not mark stays unmarked",
			stored: secusers.User{ID: alice, Status: secusers.StatusSetOf(secusers.HighRisk)},
			want:   secusers.User{ID: alice, DisplayName: "Adele (new)", Status: secusers.StatusSetOf(secusers.MFADisabled)},
		},
	} {
		got := rules.KeepPartnerFields(fresh, tc.stored)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", tc.name, err)
		}
	}
	// The stale TestUser bit of a fresh user must not survive an unmarked stored user.
	stale := fresh
	stale.Status = stale.Status.With(secusers.TestUser)
	if got := rules.KeepPartnerFields(stale, secusers.User{ID: alice}); got.Status.Has(secusers.TestUser) {
		t.Errorf("got %v, want no TestUser bit", got.Status)
	}
}

func TestDeletedUser(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		deleted *time.Time
		ok      bool
	}{
		{"deleted 10 days ago", at(-10, 0), true},
		{"just inside the 30 days", at(-30, time.Nanosecond), true},
		{"exactly 30 days ago", at(-30, 0), false},
		{"deleted 45 days ago", at(-45, 0), false},
		{"no deletedDateTime", nil, false},
	} {
		u := decode(t, graphUserJSON)
		u.DeletedDateTime = tc.deleted
		got, ok := rules.DeletedUser(u, now)
		if ok != tc.ok {
			t.Errorf("%s: ok %v, want %v", tc.name, ok, tc.ok)
			continue
		}
		if !ok {
			if diff := cmp.Diff(secusers.User{}, got); diff != "" {
				t.Errorf("%s: want the zero user (-want +got):\n%s", tc.name, diff)
			}
			continue
		}
		if want := secusers.StatusSetOf(secusers.PendingDeletion); got.Status != want {
			t.Errorf("%s: status %v, want %v alone", tc.name, got.Status, want)
		}
		if got.ID != alice || got.DisplayName != "Adele Vance" || got.LastPasswordChange.IsZero() {
			t.Errorf("%s: got %+v, want the mapped user", tc.name, got)
		}
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", secusers.MaxFieldLength) // 2 bytes each
	for _, tc := range []struct {
		name string
		in   *string
		want string
	}{
		{"null", nil, ""},
		{"plain", ptr("Adele Vance"), "Adele Vance"},
		{"invalid UTF-8 is replaced", ptr("Ad\xffele"), "Ad\uFFFDele"},
		{"a run of invalid bytes is one mark", ptr("Ad\xff\xfe\xfdele"), "Ad\uFFFDele"},
		{"NUL is stripped", ptr("Ad\x00ele\x00"), "Adele"},
		{"a truncated character is replaced", ptr("Ren\xc3"), "Ren\uFFFD"},
		{"too long: cut at a character boundary", &long, long[:secusers.MaxFieldLength]},
		{"too long, odd cut: no half character", ptr("x" + long), "x" + long[:secusers.MaxFieldLength-2]},
	} {
		got := rules.CleanText(tc.in)
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
