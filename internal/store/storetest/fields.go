package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

var fieldTests = []test{
	{"RoundTrip", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		full := secusers.User{
			ID:                newID(),
			UserPrincipalName: "mark@contoso.onmicrosoft.com",
			Mail:              "mark@contoso.com",
			DisplayName:       "Bob Märk 🚀",
			FirstName:         "Bob",
			LastName:          "Märk",
			EmployeeID:        "s12123",
			Location:          "0711",
			Department:        "09",
			Mobile:            "+386 55 444",
			JobTitle:          "Software developer",
			OfficePhone:       "43344",
			Company:           "BK Company",
			CountryRegion:     strings.Repeat("é", secusers.MaxFieldLength/2), // the longest a field may be
			Status:            secusers.StatusSetOf(secusers.MFADisabled, secusers.PasswordExpired, secusers.HighRisk, secusers.TestUser),
			IsTestUser:        true,
			// Nanoseconds and a zone that the store does not keep.
			LastPasswordChange: time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("UTC+5:30", 5*3600+1800)),
			StartDate:          1735689600123,
			EndDate:            1767225600456,
		}
		old := newUser("Before 1970", secusers.StatusSetOf(secusers.Inactive))
		old.LastPasswordChange = time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
		zero := secusers.User{ID: newID()} // every other field zero, no status
		in := []secusers.User{full, old, zero}
		replace(t, s, tn.ID, in)

		want := make([]secusers.User, len(in))
		for i, u := range in {
			if !u.LastPasswordChange.IsZero() {
				u.LastPasswordChange = u.LastPasswordChange.Truncate(time.Millisecond).UTC()
			}
			want[i] = u
		}
		got := allUsers(t, s, tn.ID)
		if diff := cmp.Diff(byID(want, userID), byID(got, userID)); diff != "" {
			t.Errorf("Users (-want +got):\n%s", diff)
		}
		page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 10})
		must(t, "SecurityUsers", err)
		if diff := cmp.Diff(byID(want[:2], userID), byID(decoded(t, page), userID)); diff != "" {
			t.Errorf("SecurityUsers (-want +got):\n%s", diff)
		}
		// cmp compares times with Equal, which ignores the zone.
		for _, u := range append(got, decoded(t, page)...) {
			if loc := u.LastPasswordChange.Location(); loc != time.UTC {
				t.Errorf("user %s: got LastPasswordChange in %v, want UTC", u.ID, loc)
			}
		}
	}},
	{"InvalidUsers", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		upper := newUser("Upper-case id", secusers.StatusSetOf(secusers.MFADisabled))
		upper.ID = strings.ToUpper(upper.ID)
		undefined := newUser("Undefined status", 1<<secusers.NumStatuses)
		testFlag := newUser("Flag without bit", secusers.StatusSetOf(secusers.MFADisabled))
		testFlag.IsTestUser = true
		badText := newUser("Bad \xff UTF-8", secusers.StatusSetOf(secusers.MFADisabled))
		window := newUser("End before start", secusers.StatusSetOf(secusers.MFADisabled))
		window.StartDate, window.EndDate = 2000, 1000
		for _, u := range []secusers.User{upper, undefined, testFlag, badText, window} {
			_, err := s.ReplaceUsers(ctx(t), tn.ID, Seq([]secusers.User{u}))
			wantKind(t, "ReplaceUsers with user "+u.DisplayName, err, secusers.Invalid)
		}
	}},
}

func userID(u secusers.User) string { return u.ID }
