package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// historyURL, tenantChangesURL and changesURL return the overview
// endpoints' paths, with or without "/partner".
func historyURL(partner bool, customerID, tenantID string) string {
	return prefixed(partner, "/external/v3/um/customers/"+customerID+"/tenants/"+tenantID+"/overview/security/history")
}

func tenantChangesURL(partner bool, customerID, tenantID string) string {
	return prefixed(partner, "/external/v3/um/customers/"+customerID+"/tenants/"+tenantID+"/overview/security/changes")
}

func changesURL(partner bool) string {
	return prefixed(partner, "/external/v3/um/overview/security/changes")
}

func prefixed(partner bool, path string) string {
	if partner {
		return "/partner" + path
	}
	return path
}

// historyBody is a history's 200 body as a client decodes it.
type historyBody struct {
	Data []struct {
		Date          string           `json:"date"`
		SecurityUsers int64            `json:"securityUsers"`
		Counts        map[string]int64 `json:"counts"`
	} `json:"data"`
	Metadata struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"metadata"`
}

func (b historyBody) dates() []string {
	out := []string{}
	for _, p := range b.Data {
		out = append(out, p.Date)
	}
	return out
}

// changesPage is a changes 200 body as a client decodes it.
type changesPage struct {
	Data      []changeJSON `json:"data"`
	NextLink  *string      `json:"nextLink"`
	DeltaLink *string      `json:"deltaLink"`
}

// wantChange is a change as the tests compare it.
type wantChange struct {
	TenantID, UserID string
	Status           int
	Change           string
}

func sortedWant(cs []wantChange) []wantChange {
	slices.SortFunc(cs, func(a, b wantChange) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return cs
}

func comparableChanges(cs []changeJSON) []wantChange {
	out := make([]wantChange, len(cs))
	for i, c := range cs {
		out[i] = wantChange{c.TenantID, c.UserID, c.Status, c.Change}
	}
	return sortedWant(out)
}

// expectedChanges returns what replacing the tenant's users before with
// after must record: each status added or removed, a user that appears or
// disappears counting as one without statuses on the other side.
func expectedChanges(tenantID string, before, after []secusers.User) []wantChange {
	was := map[string]secusers.StatusSet{}
	for _, u := range before {
		was[u.ID] = u.Status
	}
	var out []wantChange
	add := func(id string, old, now secusers.StatusSet) {
		added, removed := secusers.ChangesOf(old, now)
		for _, st := range added.Statuses() {
			out = append(out, wantChange{tenantID, id, int(st), "added"})
		}
		for _, st := range removed.Statuses() {
			out = append(out, wantChange{tenantID, id, int(st), "removed"})
		}
	}
	present := map[string]bool{}
	for _, u := range after {
		present[u.ID] = true
		add(u.ID, was[u.ID], u.Status)
	}
	for _, u := range before {
		if !present[u.ID] {
			add(u.ID, u.Status, 0)
		}
	}
	return out
}

// nextRound returns the users of a later sync: every third user's statuses
// change, every fifth disappears, and two new users appear.
func nextRound(users []secusers.User, round int) []secusers.User {
	s := secusers.StatusSetOf
	statuses := []secusers.StatusSet{0, s(secusers.HighRisk), s(secusers.MFADisabled, secusers.Inactive), s(secusers.TestUser)}
	var out []secusers.User
	for i, u := range users {
		switch {
		case (i+round)%5 == 0:
			continue
		case (i+round)%3 == 0:
			u.Status = statuses[(i+round)%len(statuses)]
			u.IsTestUser = u.Status.Has(secusers.TestUser)
		}
		out = append(out, u)
	}
	for j := range 2 {
		out = append(out, user(guid(8, round*10+j), fmt.Sprintf("New %d-%d", round, j), s(secusers.MediumRisk)))
	}
	return out
}

// poll follows the links from target as a poller does, until a page
// carries deltaLink: it checks that each page has exactly one of nextLink
// and deltaLink, that changes come oldest first and never twice, and
// returns them with the deltaLink, relative to testBaseURL.
func (f *fixture) poll(t *testing.T, target, token string, seen map[string]bool) ([]changeJSON, string) {
	t.Helper()
	var out []changeJSON
	for range 1000 {
		rec := f.do(t, http.MethodGet, target, token)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200: %s", target, rec.Code, rec.Body)
		}
		p := decode[changesPage](t, rec)
		if p.Data == nil {
			t.Fatalf("GET %s: data is null, want an array", target)
		}
		for _, c := range p.Data {
			if seen[c.ID] {
				t.Fatalf("GET %s: change %s came a second time", target, c.ID)
			}
			seen[c.ID] = true
			if n := len(out); n > 0 && !changeIDBefore(t, out[n-1].ID, c.ID) {
				t.Fatalf("GET %s: change %s after %s, want the feed's order", target, c.ID, out[n-1].ID)
			}
			out = append(out, c)
		}
		switch {
		case (p.NextLink == nil) == (p.DeltaLink == nil):
			t.Fatalf("GET %s: got nextLink %v and deltaLink %v, want exactly one", target, p.NextLink, p.DeltaLink)
		case p.DeltaLink != nil:
			return out, strings.TrimPrefix(*p.DeltaLink, testBaseURL)
		}
		target = strings.TrimPrefix(*p.NextLink, testBaseURL)
	}
	t.Fatal("poll: no deltaLink after 1000 pages")
	return nil, ""
}

// changeIDBefore reports whether change id a ("seq-ordinal") comes before b.
func changeIDBefore(t *testing.T, a, b string) bool {
	t.Helper()
	parse := func(id string) secusers.ChangeCursor {
		seq, ord, ok := strings.Cut(id, "-")
		s, err1 := strconv.ParseInt(seq, 10, 64)
		o, err2 := strconv.ParseInt(ord, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("change id %q is not seq-ordinal", id)
		}
		return secusers.ChangeCursor{Seq: s, Ordinal: o}
	}
	return parse(a).Before(parse(b))
}

// TestChangesPollerNeverMissesOrRepeats follows nextLink and deltaLink
// over several rounds of replacements, one of them landing between two
// pages of a read, through the tenant's endpoint and the cross-tenant one:
// every change of the tenants in scope comes exactly once, and no other.
func TestChangesPollerNeverMissesOrRepeats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	users := map[string][]secusers.User{
		ten1: ten1Seed(),
		ten2: {user(guid(6, 201), "Fabrikam User", secusers.StatusSetOf(secusers.HighRisk))},
		ten3: {user(guid(6, 301), "Northwind User", secusers.StatusSetOf(secusers.HighRisk))},
		ten4: {user(guid(6, 401), "Tailspin User", secusers.StatusSetOf(secusers.HighRisk))},
	}
	replace := func(tenantID string, round int) []wantChange {
		next := nextRound(users[tenantID], round)
		want := expectedChanges(tenantID, users[tenantID], next)
		f.replaceUsers(t, tenantID, next)
		users[tenantID] = next
		return want
	}
	type poller struct {
		name, token, target string
		tenants             []string // whose changes it must get
		want, got           []wantChange
		seen                map[string]bool
	}
	pollers := []*poller{
		{name: "one tenant", token: tokAll, target: tenantChangesURL(true, cust1, ten1) + "?pageSize=4", tenants: []string{ten1}},
		{name: "all tenants", token: tokAll, target: changesURL(false) + "?pageSize=5", tenants: []string{ten1, ten2, ten3}},
		{name: "scoped to customer 1", token: tokCust, target: changesURL(true) + "?pageSize=3", tenants: []string{ten1}},
		{name: "narrowed to group 1", token: tokAll, target: changesURL(true) + "?pageSize=2&groupId=" + group1, tenants: []string{ten2}},
		{name: "another partner", token: tokP2, target: changesURL(true) + "?pageSize=1000", tenants: []string{ten4}},
	}
	for _, p := range pollers {
		p.seen = map[string]bool{}
		got, delta := f.poll(t, p.target, p.token, p.seen)
		if len(got) != 0 {
			t.Fatalf("%s: got %d changes after first fills only, want none", p.name, len(got))
		}
		p.target = delta
	}
	record := func(want []wantChange) {
		for _, p := range pollers {
			for _, w := range want {
				if slices.Contains(p.tenants, w.TenantID) {
					p.want = append(p.want, w)
				}
			}
		}
	}
	for round := 1; round <= 4; round++ {
		for _, id := range []string{ten1, ten2, ten4} {
			record(replace(id, round))
		}
		if round == 3 {
			record(replace(ten3, round))
		}
		for i, p := range pollers {
			if round == 2 && i == 1 {
				// A replacement between two pages of one read: its
				// changes come in this read or the next, once.
				rec := f.do(t, http.MethodGet, p.target, p.token)
				first := decode[changesPage](t, rec)
				record(replace(ten1, 20))
				if first.NextLink == nil {
					t.Fatalf("%s: a round of changes fits one page of 5; make the page smaller", p.name)
				}
				for _, c := range first.Data {
					p.seen[c.ID] = true
				}
				p.got = append(p.got, comparableChanges(first.Data)...)
				p.target = strings.TrimPrefix(*first.NextLink, testBaseURL)
			}
			got, delta := f.poll(t, p.target, p.token, p.seen)
			p.got = append(p.got, comparableChanges(got)...)
			p.target = delta
		}
	}
	for _, p := range pollers {
		if len(p.want) == 0 {
			t.Fatalf("%s: the test expects no changes; it must expect some", p.name)
		}
		if diff := cmp.Diff(sortedWant(p.want), sortedWant(p.got)); diff != "" {
			t.Errorf("%s: changes over four rounds (-want +got):\n%s", p.name, diff)
		}
		// The deltaLink of a poller that read everything holds nothing
		// new, and gives itself again.
		got, delta := f.poll(t, p.target, p.token, p.seen)
		if len(got) != 0 || delta != p.target {
			t.Errorf("%s: the last deltaLink gave %d changes and the deltaLink %q, want none and %q", p.name, len(got), delta, p.target)
		}
	}
}

// TestChangesFields checks one change field by field, and since's bound:
// a change belongs to a since at or before its time.
func TestChangesFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	upn := "fab@fabrikam.onmicrosoft.com"
	u := user(guid(6, 201), "Fabrikam User", secusers.StatusSetOf(secusers.HighRisk, secusers.MediumRisk))
	u.UserPrincipalName = upn
	f.replaceUsers(t, ten2, []secusers.User{u})
	want := []changeJSON{{
		Time: "2026-11-29T06:00:00Z", CustomerID: cust2, TenantID: ten2, UserID: u.ID,
		DisplayName: "Fabrikam User", UserPrincipalName: upn, Status: 4, Name: "MediumRisk", Change: "added",
	}}
	for _, tt := range []struct {
		name, target string
		want         []changeJSON
	}{
		{"default since", tenantChangesURL(true, cust2, ten2), want},
		{"since at the change", tenantChangesURL(true, cust2, ten2) + "?since=2026-11-29T06:00:00Z", want},
		{"since with an offset", tenantChangesURL(true, cust2, ten2) + "?since=2026-11-29T07:00:00%2B01:00", want},
		{"since name in any case", tenantChangesURL(false, cust2, ten2) + "?SINCE=2026-11-29T06:00:00Z", want},
		{"since a millisecond after", tenantChangesURL(true, cust2, ten2) + "?since=2026-11-29T06:00:00.001Z", nil},
		{"since in the future", tenantChangesURL(true, cust2, ten2) + "?since=2027-01-01T00:00:00Z", nil},
		{"across tenants", changesURL(false) + "?customerId=" + cust2, want},
		{"across tenants, upper-case filter", changesURL(false) + "?customerId=" + strings.ToUpper(cust2), want},
		{"customerId ignored on a tenant's path", tenantChangesURL(true, cust2, ten2) + "?customerId=" + cust1, want},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := f.do(t, http.MethodGet, tt.target, tokAll)
			checkCommon(t, rec)
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200: %s", rec.Code, rec.Body)
			}
			p := decode[changesPage](t, rec)
			got := slices.Clone(p.Data)
			for i := range got {
				if got[i].ID == "" {
					t.Errorf("change %d has no id", i)
				}
				got[i].ID = ""
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b []changeJSON) bool {
				return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b)
			})); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if p.NextLink != nil || p.DeltaLink == nil || !strings.HasPrefix(*p.DeltaLink, testBaseURL+strings.Split(tt.target, "?")[0]+"?pageSize=100&") {
				t.Errorf("links: got nextLink %v, deltaLink %v; want a deltaLink on the request's path", p.NextLink, p.DeltaLink)
			}
		})
	}
}

// TestChangesScope checks that the cross-tenant feed holds the changes of
// the tenants in the app's scope, narrowed by customerId and groupId, and
// of no other; a filter outside the scope is simply empty.
func TestChangesScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tenants := map[string][]secusers.User{}
	for _, tn := range []string{ten1, ten1Empty, ten2, ten3, ten4} {
		next := []secusers.User{user(guid(8, len(tenants)), "Someone of "+tn, secusers.StatusSetOf(secusers.HighRisk))}
		f.replaceUsers(t, tn, next) // ten1Empty's first fill, the others' second
		tenants[tn] = next
	}
	f.replaceUsers(t, ten1Empty, nil) // so that ten1Empty has changes too
	tests := []struct {
		name, token, query string
		want               []string // the tenants whose changes come
	}{
		{"all customers", tokAll, "", []string{ten1, ten1Empty, ten2, ten3}},
		{"all customers, customer 2", tokAll, "?customerId=" + cust2, []string{ten2}},
		{"all customers, customers 1 and 3 repeated", tokAll, "?customerId=" + cust3 + "&customerId=" + cust1, []string{ten1, ten1Empty, ten3}},
		{"all customers, comma list", tokAll, "?customerId=" + cust3 + "," + cust1, []string{ten1, ten1Empty, ten3}},
		{"all customers, group 1", tokAll, "?groupId=" + group1, []string{ten2}},
		{"all customers, group 1 and customer 1", tokAll, "?groupId=" + group1 + "&customerId=" + cust1, nil},
		{"all customers, group 1 and customer 2", tokAll, "?groupId=" + group1 + "&customerId=" + cust2, []string{ten2}},
		{"all customers, another partner's customer", tokAll, "?customerId=" + cust4, nil},
		{"all customers, an unknown customer", tokAll, "?customerId=" + unknownID, nil},
		{"all customers, an unknown group", tokAll, "?groupId=" + unknownID, nil},
		{"customer 1 only", tokCust, "", []string{ten1, ten1Empty}},
		{"customer 1 only, asking for customer 2", tokCust, "?customerId=" + cust2, nil},
		{"customer 1 only, asking for both", tokCust, "?customerId=" + cust1 + "," + cust2, []string{ten1, ten1Empty}},
		{"customer 1 only, asking for group 1", tokCust, "?groupId=" + group1, nil},
		{"group 1", tokGroups, "", []string{ten2}},
		{"group 1, asking for customer 1", tokGroups, "?customerId=" + cust1, nil},
		{"another partner", tokP2, "", []string{ten4}},
		{"another partner, asking for ours", tokP2, "?customerId=" + cust1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _ := f.poll(t, changesURL(true)+"?pageSize=1"+strings.Replace(tt.query, "?", "&", 1), tt.token, map[string]bool{})
			var tenantsGot []string
			for _, c := range got {
				if !slices.Contains(tenantsGot, c.TenantID) {
					tenantsGot = append(tenantsGot, c.TenantID)
				}
			}
			slices.Sort(tenantsGot)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if diff := cmp.Diff(want, tenantsGot); diff != "" {
				t.Errorf("tenants of the changes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChangesOutOfScopeIsNotThere checks that a tenant's changes and
// history of a customer outside the app's scope answer as a customer that
// does not exist, whatever the tenant id (overview-api.md: no 403).
func TestChangesOutOfScopeIsNotThere(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, path := range []func(bool, string, string) string{tenantChangesURL, historyURL} {
		shape := func(token, customerID, tenantID string) string {
			t.Helper()
			rec := f.do(t, http.MethodGet, path(true, customerID, tenantID), token)
			e := checkError(t, rec, http.StatusNotFound, "NotFound", "has no tenant")
			m := strings.ReplaceAll(e.Error.Message, customerID, "{customer}")
			return strings.ReplaceAll(m, tenantID, "{tenant}")
		}
		want := shape(tokAll, unknownID, ten1)
		for _, c := range []struct{ token, customerID, tenantID string }{
			{tokCust, cust2, ten2}, {tokCust, cust2, unknownID}, {tokCust, cust2, ten1},
			{tokGroups, cust3, ten3}, {tokGroups, cust1, ten1}, {tokAll, cust4, ten4}, {tokP2, cust1, ten1},
			{tokAll, cust1, ten2}, {tokAll, cust1, unknownID},
		} {
			if got := shape(c.token, c.customerID, c.tenantID); got != want {
				t.Errorf("%s: got %q, want %q", path(true, c.customerID, c.tenantID), got, want)
			}
		}
	}
}

// testClock is a store clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// TestHistory fills a tenant on several days (one of them twice) and reads
// its history with the defaults, with either bound, and at the largest
// span.
func TestHistory(t *testing.T) {
	t.Parallel()
	day := func(n int) time.Time { return testNow.AddDate(0, 0, n) }
	date := func(n int) string { return day(n).Format(time.DateOnly) }
	clock := &testClock{t: day(-40)}
	f := newFixtureClock(t, clock.now) // the first fills: day -40
	users := ten1Seed()
	points := map[string][]secusers.User{date(-40): users}
	for i, n := range []int{-35, -35, -20, -1, 0} {
		clock.set(day(n).Add(time.Duration(i) * time.Minute))
		users = nextRound(users, i+1)
		f.replaceUsers(t, ten1, users)
		points[date(n)] = users // the day's last replacement wins
	}
	pointsOf := func(days ...int) []string {
		out := []string{}
		for _, n := range days {
			out = append(out, date(n))
		}
		return out
	}
	base := historyURL(true, cust1, ten1)
	tests := []struct {
		name, target string
		from, to     string
		want         []string
	}{
		{"defaults: the last 30 days", base, date(-29), date(0), pointsOf(-20, -1, 0)},
		{"path without /partner", historyURL(false, cust1, ten1), date(-29), date(0), pointsOf(-20, -1, 0)},
		{"from and to", base + "?from=" + date(-40) + "&to=" + date(-35), date(-40), date(-35), pointsOf(-40, -35)},
		{"one day", base + "?from=" + date(-35) + "&to=" + date(-35), date(-35), date(-35), pointsOf(-35)},
		{"to only: the 30 days up to it", base + "?to=" + date(-30), date(-59), date(-30), pointsOf(-40, -35)},
		{"from only: up to today", base + "?from=" + date(-36), date(-36), date(0), pointsOf(-35, -20, -1, 0)},
		{"400 days, the most", base + "?from=" + date(-399) + "&to=" + date(0), date(-399), date(0), pointsOf(-40, -35, -20, -1, 0)},
		{"names in any case, spaces around", base + "?FROM=+" + date(-1) + "+&To=" + date(0), date(-1), date(0), pointsOf(-1, 0)},
		{"days without data", base + "?from=" + date(-19) + "&to=" + date(-2), date(-19), date(-2), pointsOf()},
		{"the future", base + "?from=" + date(1) + "&to=" + date(30), date(1), date(30), pointsOf()},
		{"a tenant never filled", historyURL(true, cust1, ten1Empty), date(-29), date(0), pointsOf()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := f.do(t, http.MethodGet, tt.target, tokAll)
			checkCommon(t, rec)
			if rec.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200: %s", rec.Code, rec.Body)
			}
			b := decode[historyBody](t, rec)
			if b.Metadata.From != tt.from || b.Metadata.To != tt.to {
				t.Errorf("metadata: got from %s to %s, want from %s to %s", b.Metadata.From, b.Metadata.To, tt.from, tt.to)
			}
			if diff := cmp.Diff(tt.want, b.dates()); diff != "" {
				t.Fatalf("dates (-want +got):\n%s", diff)
			}
			for _, p := range b.Data {
				sets := map[secusers.StatusSet]int64{}
				for _, u := range points[p.Date] {
					sets[u.Status]++
				}
				counts, security := secusers.CountsOf(sets)
				want := map[string]int64{}
				for _, st := range secusers.AllStatuses() {
					want[st.String()] = counts[st]
				}
				if p.SecurityUsers != security {
					t.Errorf("%s: securityUsers %d, want %d", p.Date, p.SecurityUsers, security)
				}
				if diff := cmp.Diff(want, p.Counts); diff != "" {
					t.Errorf("%s: counts (-want +got):\n%s", p.Date, diff)
				}
			}
		})
	}
	t.Run("counts in status order", func(t *testing.T) {
		t.Parallel()
		body := f.do(t, http.MethodGet, base, tokAll).Body.String()
		at := 0
		for _, st := range secusers.AllStatuses() {
			i := strings.Index(body[at:], `"`+st.String()+`":`)
			if i < 0 {
				t.Fatalf("body %s: %s missing or out of order", body, st)
			}
			at += i
		}
	})
}

// TestOverviewErrors has the parameters that fail, and the errors the
// overview endpoints share with the security-users endpoint.
func TestOverviewErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hist := historyURL(true, cust1, ten1)
	tch := tenantChangesURL(true, cust1, ten1)
	all := changesURL(true)
	scope1 := &call{customerID: cust1, tenantID: ten1}
	tokenOf := func(c *call) string {
		return encodeChangeToken(changeScope(c), secusers.ChangeCursor{Seq: 1, Ordinal: 2})
	}
	good := tokenOf(scope1)
	otherTenant := tokenOf(&call{customerID: cust1, tenantID: ten1Empty})
	crossAll := tokenOf(&call{})
	crossCust1 := tokenOf(&call{changes: changesQuery{CustomerIDs: []string{cust1}}})
	raw := []byte(good)
	raw[3] ^= 1 // another letter: another position, the check fails
	const insufficient = `Bearer error="insufficient_scope", scope="partner.um.user.read.all"`
	day := func(n int) string { return testNow.AddDate(0, 0, n).Format(time.DateOnly) }
	tests := []struct {
		name, method, target, token string
		wantStatus                  int
		wantCode, wantMsg           string
		wantHeader                  map[string]string
	}{
		// 400: history dates.
		{"from not a date", "GET", hist + "?from=yesterday", tokAll, 400, "BadRequest", msgFrom, nil},
		{"from with a time", "GET", hist + "?from=2026-11-01T00:00:00Z", tokAll, 400, "BadRequest", msgFrom, nil},
		{"from without zeros", "GET", hist + "?from=2026-1-2", tokAll, 400, "BadRequest", msgFrom, nil},
		{"from 30 February", "GET", hist + "?from=2026-02-30", tokAll, 400, "BadRequest", msgFrom, nil},
		{"from empty", "GET", hist + "?from=", tokAll, 400, "BadRequest", msgFrom, nil},
		{"to not a date", "GET", hist + "?to=2026/11/29", tokAll, 400, "BadRequest", msgTo, nil},
		{"from repeated", "GET", hist + "?from=" + day(-1) + "&From=" + day(-1), tokAll, 400, "BadRequest", msgFromOnce, nil},
		{"to repeated", "GET", hist + "?to=" + day(-1) + "&to=" + day(-1), tokAll, 400, "BadRequest", msgToOnce, nil},
		{"from after to", "GET", hist + "?from=" + day(-1) + "&to=" + day(-2), tokAll, 400, "BadRequest",
			"from (" + day(-1) + ") must not be after to (" + day(-2) + ")", nil},
		{"from after today", "GET", hist + "?from=" + day(1), tokAll, 400, "BadRequest", "must not be after to (" + day(0) + ", today by default)", nil},
		{"401 days", "GET", hist + "?from=" + day(-400) + "&to=" + day(0), tokAll, 400, "BadRequest",
			"from (" + day(-400) + ") to (" + day(0) + ") is 401 days; a request may span at most 400 days", nil},
		{"401 days back from today", "GET", hist + "?from=" + day(-400), tokAll, 400, "BadRequest", "at most 400 days", nil},
		{"history malformed", "GET", hist + "?from=%zz", tokAll, 400, "BadRequest", "the query string is malformed", nil},
		// 400: changes.
		{"since not a time", "GET", tch + "?since=yesterday", tokAll, 400, "BadRequest", msgSince, nil},
		{"since a date", "GET", all + "?since=2026-11-28", tokAll, 400, "BadRequest", msgSince, nil},
		{"since with an unescaped +", "GET", tch + "?since=2026-11-29T07:00:00+01:00", tokAll, 400, "BadRequest", "%2B", nil},
		{"since empty", "GET", tch + "?since=", tokAll, 400, "BadRequest", msgSince, nil},
		{"since repeated", "GET", tch + "?since=2026-11-28T00:00:00Z&since=2026-11-28T00:00:00Z", tokAll, 400, "BadRequest", msgSinceOnce, nil},
		{"pageSize 0", "GET", tch + "?pageSize=0", tokAll, 400, "BadRequest", msgPageSize, nil},
		{"pageSize 1001", "GET", all + "?pageSize=1001", tokAll, 400, "BadRequest", msgPageSize, nil},
		{"pageSize repeated", "GET", all + "?pageSize=1&pagesize=1", tokAll, 400, "BadRequest", msgPageSizeOnce, nil},
		{"customerId not a GUID", "GET", all + "?customerId=contoso", tokAll, 400, "BadRequest", msgCustomerIDs, nil},
		{"customerId empty", "GET", all + "?customerId=", tokAll, 400, "BadRequest", msgCustomerIDs, nil},
		{"customerId empty item", "GET", all + "?customerId=" + cust1 + ",,", tokAll, 400, "BadRequest", msgCustomerIDs, nil},
		{"groupId not a GUID", "GET", all + "?groupId=gold", tokAll, 400, "BadRequest", msgGroupIDs, nil},
		{"skipToken empty", "GET", tch + "?skipToken=", tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"skipToken garbage", "GET", tch + "?skipToken=abc", tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"skipToken changed", "GET", tch + "?skipToken=" + string(raw), tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"skipToken with padding", "GET", tch + "?skipToken=" + good + "%3D", tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"skipToken too long", "GET", tch + "?skipToken=" + strings.Repeat("A", 65), tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"skipToken of the users endpoint", "GET", tch + "?skipToken=ASqvd5YCAAAABgAAQACAAAAAAAAAC2Nhcm9s", tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"skipToken of another tenant", "GET", tch + "?skipToken=" + otherTenant, tokAll, 400, "BadRequest", msgChangeSkip, nil},
		{"deltaToken of another tenant", "GET", tch + "?deltaToken=" + otherTenant, tokAll, 400, "BadRequest", msgChangeDelta, nil},
		{"deltaToken of a tenant across tenants", "GET", all + "?deltaToken=" + good, tokAll, 400, "BadRequest", msgChangeDelta, nil},
		{"deltaToken of other filters", "GET", all + "?deltaToken=" + crossCust1, tokAll, 400, "BadRequest", msgChangeDelta, nil},
		{"deltaToken without its filters' order mattering", "GET", all + "?customerId=" + cust2 + "&deltaToken=" + crossAll, tokAll, 400, "BadRequest", msgChangeDelta, nil},
		{"skipToken repeated", "GET", tch + "?skipToken=" + good + "&skipToken=" + good, tokAll, 400, "BadRequest", msgSkipTokenOne, nil},
		{"deltaToken repeated", "GET", tch + "?deltaToken=" + good + "&DeltaToken=" + good, tokAll, 400, "BadRequest", msgDeltaTokenOne, nil},
		{"both tokens", "GET", tch + "?deltaToken=" + good + "&skipToken=" + good, tokAll, 400, "BadRequest", msgBothTokens, nil},
		{"changes malformed", "GET", all + "?since=x&a=%", tokAll, 400, "BadRequest", "the query string is malformed", nil},
		{"bad customerId in the path", "GET", tenantChangesURL(true, "x", ten1), tokAll, 400, "BadRequest", "customerId must be a GUID", nil},
		{"bad tenantId in the path", "GET", historyURL(false, cust1, "y"), tokAll, 400, "BadRequest", "tenantId must be a GUID", nil},
		// 401, 403, 404, 405 as the security-users endpoint.
		{"history without a token", "GET", hist, "", 401, "Unauthorized", "bearer access token", map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{"changes with a disabled app", "GET", all, tokDisabled, 401, "Unauthorized", "disabled", nil},
		{"401 before a bad parameter", "GET", all + "?since=x", "", 401, "Unauthorized", "", nil},
		{"history without the scope", "GET", hist, tokNoScope, 403, "Forbidden", "partner.um.user.read.all", map[string]string{"WWW-Authenticate": insufficient}},
		{"changes, app without the permission", "GET", all, tokNoPerm, 403, "Forbidden", "partner.um.user.read.all", nil},
		{"403 before a bad parameter", "GET", all + "?since=x", tokNoScope, 403, "Forbidden", "", nil},
		{"history of a missing tenant", "GET", historyURL(true, cust1, unknownID), tokAll, 404, "NotFound", "has no tenant", nil},
		{"changes of another customer's tenant", "GET", tenantChangesURL(false, cust1, ten2), tokAll, 404, "NotFound", "has no tenant", nil},
		{"changes out of scope", "GET", tenantChangesURL(true, cust2, ten2), tokCust, 404, "NotFound", "has no tenant", nil},
		{"POST history", "POST", hist, tokAll, 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"DELETE changes", "DELETE", all, "", 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"HEAD tenant changes", "HEAD", tch, tokAll, 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"verifier unavailable", "GET", all, tokDown, 503, "ServiceUnavailable", "token service", map[string]string{"Retry-After": "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := f.do(t, tt.method, tt.target, tt.token)
			checkError(t, rec, tt.wantStatus, tt.wantCode, tt.wantMsg)
			for k, want := range tt.wantHeader {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestOverviewRateLimit checks that the overview endpoints spend the app's
// rate limit as the security-users endpoint does: before any store read,
// a 429 with Retry-After when it is spent.
func TestOverviewRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, target := range []string{historyURL(true, cust1, ten1), changesURL(true), tenantChangesURL(false, cust1, ten1)} {
		store := &countingStore{Store: f.store}
		lim := &recordingLimiter{refuse: map[string]time.Duration{"app:" + appAll: 2 * time.Second}, touched: store.touched}
		h := f.newHandler(store, testBaseURL, func(c *Config) { c.Limiter = lim })
		rec := serve(h, http.MethodGet, target, tokAll)
		checkError(t, rec, http.StatusTooManyRequests, "TooManyRequests", "rate limit")
		if got := rec.Header().Get("Retry-After"); got != "2" {
			t.Errorf("%s: Retry-After %q, want 2", target, got)
		}
		if !slices.Equal(lim.asked, []string{"app:" + appAll}) || !lim.early || store.touched() {
			t.Errorf("%s: limiter asked %v (before any store read: %v), store read %v; want app:%s once, before the store, and no store read",
				target, lim.asked, lim.early, store.touched(), appAll)
		}
	}
}

// serve sends one request through h.
func serve(h http.Handler, method, target, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestChangesStoreFailure checks that a store fault is the spec's 500 or
// 503, without its cause.
func TestChangesStoreFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.newHandler(failingChanges{f.store}, testBaseURL, func(c *Config) { c.RecentReads = -1 })
	rec := serve(h, http.MethodGet, changesURL(true), tokAll)
	checkError(t, rec, http.StatusServiceUnavailable, "ServiceUnavailable", "")
	if strings.Contains(rec.Body.String(), "hunter2") {
		t.Errorf("body leaks the cause: %s", rec.Body)
	}
}

// failingChanges is the real store whose feed and history are unreachable.
type failingChanges struct{ secusers.Store }

func (failingChanges) Changes(context.Context, secusers.ChangeQuery) (secusers.ChangePage, error) {
	return secusers.ChangePage{}, secusers.Wrap(secusers.Unavailable, fmt.Errorf("%s", secretDetail), "the store cannot be reached")
}

// TestChangesScopeIsResolvedPerRequest checks that a deltaLink carries no
// scope: after the app's scope is narrowed, the same link gives only the
// changes of the customers still in it.
func TestChangesScopeIsResolvedPerRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.handler = f.newHandler(f.store, testBaseURL, func(c *Config) { c.RecentReads = -1 })
	seen := map[string]bool{}
	_, delta := f.poll(t, changesURL(true)+"?pageSize=2", tokAll, seen)
	for i, tn := range []string{ten1, ten2, ten3} {
		f.replaceUsers(t, tn, []secusers.User{user(guid(8, i), "Changed", secusers.StatusSetOf(secusers.Inactive))})
	}
	scope := secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{cust2}}
	if err := f.store.SetAppScope(context.Background(), appAll, scope); err != nil {
		t.Fatal(err)
	}
	got, _ := f.poll(t, delta, tokAll, seen)
	if len(got) == 0 {
		t.Fatal("no changes of the customer still in scope")
	}
	for _, c := range got {
		if c.CustomerID != cust2 || c.TenantID != ten2 {
			t.Errorf("change %s of customer %s, tenant %s: want only customer %s's, still in scope", c.ID, c.CustomerID, c.TenantID, cust2)
		}
	}
}
