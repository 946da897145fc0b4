package sqlite

import (
	"fmt"
	"iter"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"secusers/internal/secusers"
)

const benchUsers = 100_000

// benchTenant opens a store with one tenant.
func benchTenant(b *testing.B) (*Store, string) {
	b.Helper()
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	b.Cleanup(func() { s.Close() })
	ctx := b.Context()
	p, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, secusers.Customer{ID: uuid.NewString(), PartnerID: p.ID, Organization: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	tn, err := s.CreateTenant(ctx, secusers.Tenant{ID: uuid.NewString(), CustomerID: c.ID, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return s, tn.ID
}

// benchUserSet returns n realistic users: full names and fields, most with
// a finding (MFA disabled is common, high risk is rare), a few with none.
// The statuses do not follow the names, so that a filter's matches spread
// over the whole order.
func benchUserSet(n int) []secusers.User {
	first := []string{"Ana", "Bob", "Émile", "Zoë", "Jürgen", "Li", "Mark", "Nadia", "Óscar", "Sven"}
	last := []string{"Novak", "Horvat", "Müller", "Smith", "García", "Kovač", "Dubois", "Rossi"}
	users := make([]secusers.User, n)
	for i := range users {
		f, l := first[i%len(first)], last[i/len(first)%len(last)]
		var status secusers.StatusSet
		if i%5 != 0 {
			status = status.With(secusers.MFADisabled)
		}
		if i%11 == 3 {
			status = status.With(secusers.HighRisk)
		}
		if i%7 == 1 {
			status = status.With(secusers.Inactive)
		}
		users[i] = secusers.User{
			ID: uuid.NewString(), UserPrincipalName: fmt.Sprintf("user%d@contoso.onmicrosoft.com", i),
			Mail: fmt.Sprintf("user%d@contoso.com", i), DisplayName: fmt.Sprintf("%s %s %d", f, l, i),
			FirstName: f, LastName: l, EmployeeID: fmt.Sprint(i), Department: "Engineering",
			JobTitle: "Developer", Company: "Contoso", CountryRegion: "Slovenia", Status: status,
		}
	}
	return users
}

func all(users []secusers.User) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
}

func BenchmarkReplaceUsers100k(b *testing.B) {
	s, tenant := benchTenant(b)
	users := benchUserSet(benchUsers)
	for b.Loop() {
		n, err := s.ReplaceUsers(b.Context(), tenant, all(users))
		if err != nil || n != benchUsers {
			b.Fatalf("ReplaceUsers: got %d, %v, want %d, nil", n, err, benchUsers)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchUsers), "ns/user")
}

func BenchmarkSecurityUsersPage(b *testing.B) {
	s, tenant := benchTenant(b)
	if _, err := s.ReplaceUsers(b.Context(), tenant, all(benchUserSet(benchUsers))); err != nil {
		b.Fatal(err)
	}
	const pageSize = 100
	for _, filter := range []struct {
		name string
		mask secusers.StatusSet
	}{
		{"all", 0},
		{"highrisk", secusers.StatusSetOf(secusers.HighRisk)},
	} {
		first, err := s.SecurityUsers(b.Context(), tenant, secusers.UserQuery{Statuses: filter.mask, Limit: pageSize})
		if err != nil {
			b.Fatal(err)
		}
		lastOffset := (first.Total - 1) / pageSize * pageSize
		for _, page := range []struct {
			name   string
			offset int64
		}{
			{"first", 0},
			{"last", lastOffset},
		} {
			b.Run(filter.name+"/"+page.name, func(b *testing.B) {
				q := secusers.UserQuery{Statuses: filter.mask, Offset: page.offset, Limit: pageSize}
				for b.Loop() {
					if _, err := s.SecurityUsers(b.Context(), tenant, q); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(first.Total), "matching")
			})
		}
	}
}
