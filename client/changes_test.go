package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/secusers"
)

// overviewTenant is a customer of the demo partner with one tenant, of a
// test's own, so that its changes are the test's alone.
type overviewTenant struct {
	customerID, tenantID string
	users                []secusers.User
}

func newOverviewTenant(t *testing.T) *overviewTenant {
	t.Helper()
	ctx := context.Background()
	app, err := fixture.store.App(ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	o := &overviewTenant{customerID: uuid.NewString(), tenantID: uuid.NewString()}
	if _, err := fixture.store.CreateCustomer(ctx, secusers.Customer{ID: o.customerID, PartnerID: app.PartnerID, Organization: "Changes " + t.Name()}); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.store.CreateTenant(ctx, secusers.Tenant{ID: o.tenantID, CustomerID: o.customerID, Name: "changes.onmicrosoft.com"}); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		st := secusers.StatusSet(1 << (i % 4))
		o.users = append(o.users, secusers.User{ID: uuid.NewString(), DisplayName: fmt.Sprintf("User %d", i), UserPrincipalName: fmt.Sprintf("u%d@changes.test", i), Status: st})
	}
	o.replace(t, o.users)
	return o
}

// replace replaces the tenant's users and returns the changes it must
// record: each status added or removed, a user that appears or goes
// counting as one without statuses on the other side.
func (o *overviewTenant) replace(t *testing.T, users []secusers.User) []string {
	t.Helper()
	seq := func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
	if _, err := fixture.store.ReplaceUsers(context.Background(), o.tenantID, seq); err != nil {
		t.Fatal(err)
	}
	was := map[string]secusers.StatusSet{}
	for _, u := range o.users {
		was[u.ID] = u.Status
	}
	var want []string
	add := func(id string, old, now secusers.StatusSet) {
		added, removed := secusers.ChangesOf(old, now)
		for _, st := range added.Statuses() {
			want = append(want, fmt.Sprintf("%s %s added", id, st))
		}
		for _, st := range removed.Statuses() {
			want = append(want, fmt.Sprintf("%s %s removed", id, st))
		}
	}
	present := map[string]bool{}
	for _, u := range users {
		present[u.ID] = true
		add(u.ID, was[u.ID], u.Status)
	}
	for _, u := range o.users {
		if !present[u.ID] {
			add(u.ID, u.Status, 0)
		}
	}
	o.users = users
	slices.Sort(want)
	return want
}

// nextDay changes every other user's statuses, drops one and adds one.
func (o *overviewTenant) nextDay(day int) []secusers.User {
	var out []secusers.User
	for i, u := range o.users[1:] {
		if i%2 == day%2 {
			u.Status = u.Status ^ secusers.StatusSetOf(secusers.HighRisk, secusers.Inactive)
		}
		out = append(out, u)
	}
	return append(out, secusers.User{ID: uuid.NewString(), DisplayName: fmt.Sprintf("New %d", day), Status: secusers.StatusSetOf(secusers.MediumRisk)})
}

// read loops over a read of changes and returns them as "userID Status
// change", sorted, failing on an error or a change seen twice.
func read(t *testing.T, changes func(func(client.Change, error) bool), tenantID string) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for ch, err := range changes {
		if err != nil {
			t.Fatal(err)
		}
		if seen[ch.ID] {
			t.Fatalf("change %s came twice", ch.ID)
		}
		seen[ch.ID] = true
		if ch.TenantID != tenantID || ch.Time.IsZero() {
			t.Errorf("change %s: tenant %s at %v, want %s at a time", ch.ID, ch.TenantID, ch.Time, tenantID)
		}
		out = append(out, fmt.Sprintf("%s %s %s", ch.UserID, ch.Status, ch.Change()))
	}
	slices.Sort(out)
	return out
}

// A read follows nextLink to the deltaLink; the deltaLink then reads only
// what happened after, once; the tenant's path and the cross-tenant one
// narrowed to its customer read the same.
func TestChangesFollowNextLinkAndDeltaLink(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	ctx := context.Background()
	o := newOverviewTenant(t)
	start := time.Now().Add(-time.Second)
	want := o.replace(t, o.nextDay(1))
	want = append(want, o.replace(t, o.nextDay(2))...)
	slices.Sort(want)
	for _, q := range []client.ChangesQuery{
		{CustomerID: o.customerID, TenantID: o.tenantID, Since: start, PageSize: 3},
		{CustomerIDs: []string{o.customerID}, Since: start, PageSize: 2},
	} {
		changes, res := c.Changes(ctx, q)
		if diff := cmp.Diff(want, read(t, changes, o.tenantID)); diff != "" {
			t.Fatalf("%+v: changes (-want +got):\n%s", q, diff)
		}
		delta := res.DeltaLink()
		if delta == "" || res.ResumeLink() != delta || !strings.Contains(delta, "deltaToken=") {
			t.Fatalf("%+v: DeltaLink %q, ResumeLink %q; want the deltaLink for both", q, delta, res.ResumeLink())
		}
		// Nothing since: the deltaLink gives nothing, and a deltaLink.
		changes, again := c.Changes(ctx, client.ChangesQuery{DeltaLink: delta, CustomerID: "ignored"})
		if got := read(t, changes, o.tenantID); len(got) != 0 || again.DeltaLink() == "" {
			t.Errorf("%+v: the deltaLink with nothing new gave %v and the deltaLink %q, want none and one", q, got, again.DeltaLink())
		}
	}
	// A poller: each read resumes from the last one's deltaLink.
	changes, res := c.Changes(ctx, client.ChangesQuery{CustomerID: o.customerID, TenantID: o.tenantID, Since: time.Now().Add(time.Hour)})
	if res.DeltaLink() != "" || res.ResumeLink() != "" {
		t.Fatal("a link before the loop ran")
	}
	read(t, changes, o.tenantID)
	delta := res.DeltaLink()
	for day := 3; day <= 5; day++ {
		want := o.replace(t, o.nextDay(day))
		changes, res := c.Changes(ctx, client.ChangesQuery{DeltaLink: delta, PageSize: 1})
		if diff := cmp.Diff(want, read(t, changes, o.tenantID)); diff != "" {
			t.Errorf("day %d: changes after the deltaLink (-want +got):\n%s", day, diff)
		}
		delta = res.DeltaLink()
	}
}

// A loop that breaks off leaves no DeltaLink, and its ResumeLink starts
// again where nothing is missed.
func TestChangesResumeAfterBreak(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	o := newOverviewTenant(t)
	start := time.Now().Add(-time.Second)
	want := o.replace(t, o.nextDay(1))
	changes, res := c.Changes(context.Background(), client.ChangesQuery{CustomerID: o.customerID, TenantID: o.tenantID, Since: start, PageSize: 4})
	got := map[string]bool{}
	n := 0
	for ch, err := range changes {
		if err != nil {
			t.Fatal(err)
		}
		got[fmt.Sprintf("%s %s %s", ch.UserID, ch.Status, ch.Change())] = true
		if n++; n == 6 { // in the second page
			break
		}
	}
	if res.DeltaLink() != "" || res.ResumeLink() == "" {
		t.Fatalf("after a break: DeltaLink %q, ResumeLink %q; want none and one", res.DeltaLink(), res.ResumeLink())
	}
	rest, res2 := c.Changes(context.Background(), client.ChangesQuery{DeltaLink: res.ResumeLink()})
	for _, k := range read(t, rest, o.tenantID) {
		got[k] = true
	}
	var all []string
	for k := range got {
		all = append(all, k)
	}
	slices.Sort(all)
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("changes read before and after the break (-want +got):\n%s", diff)
	}
	if res2.DeltaLink() == "" {
		t.Error("no DeltaLink after reading to the end")
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	ctx := context.Background()
	o := newOverviewTenant(t)
	o.replace(t, o.nextDay(1))
	today := time.Now().UTC().Truncate(24 * time.Hour)
	h, err := c.History(ctx, o.customerID, o.tenantID, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.To.Equal(today) || !h.From.Equal(today.AddDate(0, 0, 1-client.DefaultHistoryDays)) {
		t.Errorf("the default span: got %v to %v, want the %d days up to %v", h.From, h.To, client.DefaultHistoryDays, today)
	}
	want := client.HistoryPoint{Date: today, Counts: map[client.Status]int64{}}
	for _, st := range client.AllStatuses() {
		want.Counts[st] = 0
	}
	for _, u := range o.users {
		if u.Status != 0 {
			want.SecurityUsers++
		}
		for _, st := range u.Status.Statuses() {
			want.Counts[client.Status(st)]++
		}
	}
	if diff := cmp.Diff([]client.HistoryPoint{want}, h.Points); diff != "" {
		t.Errorf("points (-want +got):\n%s", diff)
	}
	// from and to are calendar dates, whatever their location.
	east := time.FixedZone("UTC+14", 14*3600)
	h, err = c.History(ctx, o.customerID, o.tenantID, time.Date(2026, 1, 2, 23, 0, 0, 0, east), time.Date(2026, 1, 5, 1, 0, 0, 0, east))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.From.Format(time.DateOnly) + "…" + h.To.Format(time.DateOnly); got != "2026-01-02…2026-01-05" || len(h.Points) != 0 {
		t.Errorf("got %s with %d points, want 2026-01-02…2026-01-05 and none", got, len(h.Points))
	}
	for _, span := range [][2]time.Time{{today, today.AddDate(0, 0, -1)}, {today.AddDate(0, 0, -client.MaxHistoryDays), today}} {
		if _, err := c.History(ctx, o.customerID, o.tenantID, span[0], span[1]); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("History %v…%v: got %v, want ErrBadRequest", span[0], span[1], err)
		}
	}
	if _, err := c.History(ctx, o.customerID, tenantID, time.Time{}, time.Time{}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("History of another customer's tenant: got %v, want ErrNotFound", err)
	}
}

func TestChangesQueryErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t, client.Config{})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		q    client.ChangesQuery
		want string
		is   error
	}{
		{"customer without tenant", client.ChangesQuery{CustomerID: customerID}, "give both", nil},
		{"tenant without customer", client.ChangesQuery{TenantID: tenantID}, "give both", nil},
		{"filters with a tenant", client.ChangesQuery{CustomerID: customerID, TenantID: tenantID, GroupIDs: []string{"g"}}, "narrow a read across tenants", nil},
		{"foreign DeltaLink", client.ChangesQuery{DeltaLink: "https://evil.example/x?deltaToken=y"}, "", client.ErrForeignNextLink},
		{"relative DeltaLink", client.ChangesQuery{DeltaLink: "/partner/external/v3/um/overview/security/changes"}, "not an absolute URL", nil},
		{"unknown tenant", client.ChangesQuery{CustomerID: customerID, TenantID: fixture.otherTenantID}, "", client.ErrNotFound},
		{"bad page size", client.ChangesQuery{PageSize: client.MaxPageSize + 1}, "", client.ErrBadRequest},
		{"a filter that is no GUID", client.ChangesQuery{CustomerIDs: []string{"contoso"}}, "", client.ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			changes, res := c.Changes(ctx, tc.q)
			n := 0
			var got error
			for _, err := range changes {
				n++
				got = err
			}
			if n != 1 || got == nil || (tc.want != "" && !strings.Contains(got.Error(), tc.want)) || (tc.is != nil && !errors.Is(got, tc.is)) {
				t.Errorf("got %d yields, the last %v; want one error about %q (%v)", n, got, tc.want, tc.is)
			}
			if res.DeltaLink() != "" {
				t.Errorf("DeltaLink %q after an error, want none", res.DeltaLink())
			}
		})
	}
}

// A page the loop cannot go on from, or whose link leaves the API's host,
// is an error, after no change of it.
func TestChangesRefusesBadPages(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	pages := map[string]string{
		"neither": `{"data":[]}`,
		"both":    `{"data":[],"nextLink":"{base}/a","deltaLink":"{base}/b"}`,
		"foreign": `{"data":[{"id":"1-1","time":"2026-11-29T06:00:00Z","status":3,"name":"HighRisk","change":"added"}],"nextLink":"https://evil.example/next"}`,
		"status":  `{"data":[{"id":"1-1","time":"2026-11-29T06:00:00Z","status":99,"name":"?","change":"added"}],"deltaLink":"{base}/b"}`,
		"verb":    `{"data":[{"id":"1-1","time":"2026-11-29T06:00:00Z","status":3,"name":"HighRisk","change":"changed"}],"deltaLink":"{base}/b"}`,
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == client.TokenPath {
			io.WriteString(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
			return
		}
		io.WriteString(w, strings.ReplaceAll(pages[strings.TrimPrefix(r.URL.Path, "/")], "{base}", srv.URL))
	}))
	defer srv.Close()
	c := newClient(t, client.Config{BaseURL: srv.URL, MaxRetries: -1})
	for name, want := range map[string]string{
		"neither": "exactly one of nextLink and deltaLink", "both": "exactly one of nextLink and deltaLink",
		"foreign": client.ErrForeignNextLink.Error(), "status": "not a status number", "verb": "neither added nor removed",
	} {
		changes, res := c.Changes(context.Background(), client.ChangesQuery{DeltaLink: srv.URL + "/" + name})
		var got []error
		for ch, err := range changes {
			if err == nil {
				t.Errorf("%s: got the change %+v, want none of a bad page", name, ch)
			}
			got = append(got, err)
		}
		if len(got) != 1 || !strings.Contains(got[0].Error(), want) {
			t.Errorf("%s: got %v, want one error about %q", name, got, want)
		}
		if res.DeltaLink() != "" || res.ResumeLink() != srv.URL+"/"+name {
			t.Errorf("%s: DeltaLink %q, ResumeLink %q; want none, and the page's link", name, res.DeltaLink(), res.ResumeLink())
		}
	}
}
