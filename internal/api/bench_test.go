package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/paging"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userjson"
)

// fullPage is a page of 1000 users with every field set.
func fullPage() secusers.UserPage {
	users := fullPageUsers()
	page := secusers.UserPage{Users: make([]secusers.PageUser, len(users)), Total: 5000}
	for i, u := range users {
		var err error
		if page.Users[i], err = userjson.PageUserOf(u); err != nil {
			panic(err)
		}
	}
	return page
}

// fullPageUsers returns the 1000 users of fullPage.
func fullPageUsers() []secusers.User {
	users := make([]secusers.User, 1000)
	for i := range users {
		users[i] = secusers.User{
			ID: guid(7, i), UserPrincipalName: fmt.Sprintf("user%d@contoso.onmicrosoft.com", i),
			Mail: fmt.Sprintf("user%d@contoso.com", i), DisplayName: fmt.Sprintf("User %04d", i),
			FirstName: "User", LastName: fmt.Sprint(i), EmployeeID: "s12123", Location: "0711",
			Department: "09", Mobile: "55444", JobTitle: "Software developer", OfficePhone: "43344",
			Company: "BK Company", CountryRegion: "Slovenia", Status: 13,
			LastPasswordChange: testNow.Add(-time.Duration(i) * time.Hour),
		}
	}
	return users
}

// BenchmarkWritePage measures encoding a page of 1000 users, the largest
// page, without the store: the allocations should be a handful, not one
// or more per user.
func BenchmarkWritePage(b *testing.B) {
	h := New(Config{BaseURL: testBaseURL, Now: func() time.Time { return testNow }})
	p := fullPage()
	req := httptest.NewRequest(http.MethodGet, usersURL(true, cust1, ten1), nil)
	c := &call{r: req, query: Query{PageIndex: 1, PageSize: 1000}}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.writePage(w, c, p); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(w.n / b.N))
}

// BenchmarkHandler measures a whole request of 1000 users against SQLite.
func BenchmarkHandler(b *testing.B) {
	f := newFixture(b)
	f.replaceUsers(b, ten1, fullPageUsers())
	target := usersURL(true, cust1, ten1) + "?pageSize=1000"
	b.ReportAllocs()
	for b.Loop() {
		rec := f.do(b, http.MethodGet, target, tokAll)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// deepUsers returns n security users with every field set, in no order;
// one in a hundred is a test user, the rare status of the benchmark.
func deepUsers(n int) []secusers.User {
	rng := rand.New(rand.NewPCG(1, 2))
	users := make([]secusers.User, n)
	for i := range users {
		first, last := benchFirst[rng.IntN(len(benchFirst))], benchLast[rng.IntN(len(benchLast))]
		st := secusers.StatusSet(1 + rng.IntN(255))
		if rng.IntN(100) == 0 {
			st = st.With(secusers.TestUser)
		}
		users[i] = secusers.User{
			ID: guid(8, i), UserPrincipalName: fmt.Sprintf("user%d@contoso.onmicrosoft.com", i),
			Mail: fmt.Sprintf("user%d@contoso.com", i), DisplayName: first + " " + last,
			FirstName: first, LastName: last, EmployeeID: "s12123", Department: "09",
			JobTitle: "Software developer", Company: "BK Company", CountryRegion: "Slovenia",
			Status: st, IsTestUser: st.Has(secusers.TestUser),
		}
	}
	return users
}

var (
	benchFirst = []string{"Ann", "Bob", "Émile", "Zoë", "Chen", "Olu", "Mark", "Ivana", "Jürgen", "Sara"}
	benchLast  = []string{"Mark", "Novak", "de Vries", "Okafor", "Li", "Smith", "Horvat", "Ødegaard"}
)

// BenchmarkDeepPage compares, in a tenant of 100,000 security users and
// pages of 100, the first page with the last one read by pageIndex through
// a plain offset (how every page was read before the Pager), by pageIndex
// through the Pager's anchors, and by the nextLink of the page before (a
// skipToken); unfiltered, and for the rare status TestUser (1%). The whole
// handler runs: the fake verifier, the access checks, SQLite, the JSON.
// "anchors" is the one-off read of a filter's anchors, once per version of
// the tenant's users.
func BenchmarkDeepPage(b *testing.B) {
	const users, size = 100_000, 100
	f := newFixture(b)
	f.replaceUsers(b, ten1, deepUsers(users))
	pager := f.newHandler(f.store, testBaseURL)
	offset := f.newHandler(f.store, testBaseURL, func(c *Config) {
		c.Pager = paging.New(f.store, paging.WithThreshold(math.MaxInt))
	})
	for _, filter := range []struct {
		name   string
		status secusers.StatusSet
		query  string
	}{{"all", 0, ""}, {"rare", secusers.StatusSetOf(secusers.TestUser), "&status=8"}} {
		pageAt := func(index int64) string {
			return fmt.Sprintf("%s?pageIndex=%d&pageSize=%d%s", usersURL(true, cust1, ten1), index, size, filter.query)
		}
		f.handler = pager
		first := benchGet(b, f, pageAt(1))
		last := (first.Metadata.TotalCount + size - 1) / size
		prev := benchGet(b, f, pageAt(last-1))
		if prev.NextLink == nil || !strings.Contains(*prev.NextLink, "skipToken=") {
			b.Fatalf("page %d: no nextLink with a skipToken", last-1)
		}
		for _, c := range []struct {
			name    string
			handler http.Handler
			target  string
		}{
			{"first", pager, pageAt(1)},
			{"last/offset", offset, pageAt(last)},
			{"last/pageIndex", pager, pageAt(last)},
			{"last/nextLink", pager, strings.TrimPrefix(*prev.NextLink, testBaseURL)},
		} {
			b.Run(filter.name+"/"+c.name, func(b *testing.B) {
				f.handler = c.handler
				b.ReportAllocs()
				for b.Loop() {
					if rec := f.do(b, http.MethodGet, c.target, tokAll); rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
				b.ReportMetric(float64(first.Metadata.TotalCount), "matching")
			})
		}
		b.Run(filter.name+"/anchors", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := f.store.SecurityUserKeys(context.Background(), ten1, filter.status, paging.DefaultEvery); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchGet reads one page through f.handler.
func benchGet(b *testing.B, f *fixture, target string) page {
	b.Helper()
	rec := f.do(b, http.MethodGet, target, tokAll)
	var p page
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %v", target, rec.Code, err)
	}
	return p
}

type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(int)     {}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}
