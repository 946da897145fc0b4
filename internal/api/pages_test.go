package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/paging"
	"github.com/secusers/secusers/internal/secusers"
)

// recordingStore is the real store that remembers the page queries it
// was asked, to show how a page was found.
type recordingStore struct {
	secusers.Store
	mu      sync.Mutex
	queries []secusers.UserQuery
}

func (s *recordingStore) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
	return s.Store.SecurityUsers(ctx, tenantID, q)
}

func (s *recordingStore) take() []secusers.UserQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries
	s.queries = nil
	return q
}

// follow reads the page at target and returns its ids and its nextLink
// relative to testBaseURL ("" on the last page).
func (f *fixture) follow(t *testing.T, target string) ([]string, string) {
	t.Helper()
	rec := f.do(t, http.MethodGet, target, tokAll)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: got %d, want 200: %s", target, rec.Code, rec.Body)
	}
	p := decode[page](t, rec)
	if p.NextLink == nil {
		return p.ids(), ""
	}
	return p.ids(), strings.TrimPrefix(*p.NextLink, testBaseURL)
}

// TestNextLinkIsKeyset checks that following nextLink reads each page
// after the last user of the one before, never by an offset.
func TestNextLinkIsKeyset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rs := &recordingStore{Store: f.store}
	f.handler = f.newHandler(rs, testBaseURL)
	var got []string
	next := usersURL(true, cust1, ten1) + "?pageSize=4"
	for i := 0; next != ""; i++ {
		var ids []string
		ids, next = f.follow(t, next)
		got = append(got, ids...)
		qs := rs.take()
		if len(qs) != 1 {
			t.Fatalf("page %d: got %d store reads, want 1", i+1, len(qs))
		}
		if i > 0 && (qs[0].After == nil || qs[0].Offset != 0) {
			t.Errorf("page %d: got the read %+v, want one after a position without offset", i+1, qs[0])
		}
	}
	var want []string
	for _, u := range f.ten1Users {
		want = append(want, u.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("users over all pages (-want +got):\n%s", diff)
	}
}

// TestNextLinkAcrossReplace checks that a nextLink made before the
// tenant's users were replaced serves the page its pageIndex names in the
// new users, not the users after its old position.
func TestNextLinkAcrossReplace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, next := f.follow(t, usersURL(true, cust1, ten1)+"?pageSize=4")
	_, next = f.follow(t, next)
	if !strings.Contains(next, "pageIndex=3&") || !strings.Contains(next, "skipToken=") {
		t.Fatalf("nextLink of page 2: got %q, want one to page 3 with a skipToken", next)
	}
	// The new users all sort before the old position, so a keyset read
	// would skip them.
	users := ten1Seed()
	for i := range 6 {
		users = append(users, user(guid(6, 500+i), fmt.Sprintf("Aaron %d", i), secusers.StatusSetOf(secusers.HighRisk)))
	}
	f.replaceUsers(t, ten1, users)
	want, err := f.store.SecurityUsers(context.Background(), ten1, secusers.UserQuery{Offset: 8, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.follow(t, next)
	var wantIDs []string
	for _, u := range want.Users {
		wantIDs = append(wantIDs, u.Key.ID)
	}
	if diff := cmp.Diff(wantIDs, got); diff != "" {
		t.Errorf("page 3 after the replacement (-want +got):\n%s", diff)
	}
}

// TestDeepPagesByIndex reads every page by pageIndex through a Pager that
// uses anchors from the first user on, three users apart, so that every
// way a page can fall between anchors is served, filtered or not.
func TestDeepPagesByIndex(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.handler = f.newHandler(f.store, testBaseURL, func(c *Config) {
		c.Pager = paging.New(f.store, paging.WithThreshold(0), paging.WithAnchorEvery(3))
	})
	for _, set := range []secusers.StatusSet{0, secusers.StatusSetOf(secusers.MFADisabled)} {
		var all []string
		for _, u := range f.ten1Users {
			if set == 0 || u.Status.Intersects(set) {
				all = append(all, u.ID)
			}
		}
		for size := 1; size <= 8; size++ {
			for index := 1; (index-1)*size <= len(all)+size; index++ {
				target := fmt.Sprintf("%s?pageIndex=%d&pageSize=%d", usersURL(true, cust1, ten1), index, size)
				if set != 0 {
					target += fmt.Sprintf("&status=%d", set.Statuses()[0])
				}
				got, _ := f.follow(t, target)
				want := all[min((index-1)*size, len(all)):min(index*size, len(all))]
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", target, diff)
				}
			}
		}
	}
}

// TestAppRescopeTakesEffect checks that with RecentReads off the app's
// customer scope is read per request: re-scoping an app away from a
// customer refuses its very next request for that customer, with a token
// issued before, and the customer now in scope is served. (With the
// default RecentReads, see TestChangesTakeEffectWithinRecentReads.)
func TestAppRescopeTakesEffect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.handler = f.newHandler(f.store, testBaseURL, func(c *Config) { c.RecentReads = -1 })
	target := usersURL(true, cust1, ten1)
	if rec := f.do(t, http.MethodGet, target, tokCust); rec.Code != http.StatusOK {
		t.Fatalf("before: got %d, want 200: %s", rec.Code, rec.Body)
	}
	scope := secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{cust2}}
	if err := f.store.SetAppScope(context.Background(), appCust, scope); err != nil {
		t.Fatal(err)
	}
	rec := f.do(t, http.MethodGet, target, tokCust)
	checkError(t, rec, http.StatusForbidden, "Forbidden", "outside the customer scope")
	if rec := f.do(t, http.MethodGet, usersURL(true, cust2, ten2), tokCust); rec.Code != http.StatusOK {
		t.Errorf("the customer now in scope: got %d, want 200: %s", rec.Code, rec.Body)
	}
}
