package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"secusers/internal/secusers"
)

// fullPage is a page of 1000 users with every field set.
func fullPage() secusers.UserPage {
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
	return secusers.UserPage{Users: users, Total: 5000}
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
	p := fullPage()
	f.replaceUsers(b, ten1, p.Users)
	target := usersURL(true, cust1, ten1) + "?pageSize=1000"
	b.ReportAllocs()
	for b.Loop() {
		rec := f.do(b, http.MethodGet, target, tokAll)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
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
