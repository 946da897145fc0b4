package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/secusers"
)

// storeSecurityUsers returns the tenant's users that match statuses (any
// status when 0), in the API's order, as the store has them.
func storeSecurityUsers(t *testing.T, statuses secusers.StatusSet) []secusers.User {
	t.Helper()
	var out []secusers.User
	for u, err := range fixture.store.Users(context.Background(), tenantID) {
		if err != nil {
			t.Fatal(err)
		}
		if (statuses == 0 && u.Status != 0) || u.Status.Intersects(statuses) {
			out = append(out, u)
		}
	}
	return out
}

func securityUserCount(t *testing.T, statuses secusers.StatusSet) int64 {
	return int64(len(storeSecurityUsers(t, statuses)))
}

// Following nextLink yields every user exactly once, in the API's order,
// whatever the page size, with every field as stored.
func TestAllSecurityUsersYieldsEachUserOnce(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	for _, tc := range []struct {
		pageSize int
		statuses client.StatusSet
	}{
		{0, 0}, {1000, 0}, {250, 0}, {97, 0}, {7, 0},
		{50, client.StatusSetOf(client.HighRisk, client.MediumRisk)},
		{13, client.StatusSetOf(client.TestUser)},
	} {
		t.Run(fmt.Sprintf("size %d status %s", tc.pageSize, tc.statuses), func(t *testing.T) {
			t.Parallel()
			now := time.Now()
			want := storeSecurityUsers(t, secusers.StatusSet(tc.statuses))
			var got []client.User
			seen := map[string]bool{}
			for u, err := range c.AllSecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: tc.pageSize, Statuses: tc.statuses}) {
				if err != nil {
					t.Fatal(err)
				}
				if seen[u.ID] {
					t.Fatalf("user %s came twice", u.ID)
				}
				seen[u.ID] = true
				got = append(got, u)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d users, want %d", len(got), len(want))
			}
			for i := range want {
				if diff := cmp.Diff(fromStore(want[i], now), withoutAge(got[i])); diff != "" {
					t.Fatalf("user %d (-store +API):\n%s", i, diff)
				}
				if a := want[i].PasswordAgeDays(now); got[i].Age < a-1 || got[i].Age > a+1 {
					t.Errorf("user %s: got age %d, want %d", got[i].ID, got[i].Age, a)
				}
			}
		})
	}
}

// fromStore returns what the API must say of a stored user, age aside.
func fromStore(u secusers.User, now time.Time) client.User {
	ms := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMilli(v).UTC()
	}
	return client.User{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, DisplayName: u.DisplayName,
		FirstName: u.FirstName, LastName: u.LastName, EmployeeID: u.EmployeeID, Location: u.Location,
		Department: u.Department, Mobile: u.Mobile, JobTitle: u.JobTitle, Status: client.StatusSet(u.Status),
		IsTestUser: u.IsTestUser, StartDate: ms(u.StartDate), EndDate: ms(u.EndDate),
		OfficePhone: u.OfficePhone, Company: u.Company, CountryRegion: u.CountryRegion,
	}
}

func withoutAge(u client.User) client.User {
	u.Age = 0
	return u
}

func TestBreakStopsRequests(t *testing.T) {
	t.Parallel()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{HTTPClient: hc})
	n := 0
	for _, err := range c.AllSecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	if got := cnt.api.Load(); got != 2 {
		t.Errorf("API requests: got %d, want 2 (15 users of pages of 10)", got)
	}
}

// The bearer token goes nowhere but the API's host: behind this proxy the
// server's nextLink names the server itself, another host.
func TestForeignNextLinkRefused(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	c := newClient(t, client.Config{BaseURL: f.srv.URL})
	var err error
	n := 0
	for _, e := range c.AllSecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 10}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if !errors.Is(err, client.ErrForeignNextLink) || n != 10 {
		t.Fatalf("got %d users and %v, want 10 and ErrForeignNextLink", n, err)
	}
	if got := f.seen.Load(); got != 1 {
		t.Errorf("API requests: got %d, want 1", got)
	}
	for _, link := range []string{"https://evil.example/partner/x", strings.Replace(f.srv.URL, "http:", "https:", 1) + "/x", "/relative"} {
		if _, err := c.NextPage(context.Background(), link); err == nil {
			t.Errorf("NextPage(%q): got no error", link)
		}
	}
}

func TestSummaryMatchesStore(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	s, err := c.Summary(context.Background(), customerID, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	want := &client.Summary{Counts: map[client.Status]int64{}}
	for _, st := range client.AllStatuses() {
		want.Counts[st] = 0
	}
	for _, u := range storeSecurityUsers(t, 0) {
		want.Total++
		for _, st := range client.StatusSet(u.Status).Statuses() {
			want.Counts[st]++
		}
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("summary (-store +API):\n%s", diff)
	}
}

func TestUserJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"id":"f04d7aee-341e-4ab9-9e1a-65215f92e596","userPrincipalName":"mark@contoso.onmicrosoft.com","mail":"mark@contoso.com","displayName":"Bob Mark","firstName":"Bob","lastName":"Mark","employeeId":"s12123","location":"0711","department":"09","mobile":"55444","jobTitle":"Software developer","status":13,"isTestUser":true,"age":7,"startDate":1767225600123,"endDate":0,"officePhone":"43344","company":"BK Company","countryRegion":"Slovenia"}`
	var u client.User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if u.Status != 13 || !u.StartDate.Equal(time.UnixMilli(1767225600123)) || !u.EndDate.IsZero() || u.Age != 7 {
		t.Errorf("decoded %+v", u)
	}
	out, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
}
