package postgres

import (
	"flag"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// benchUsers is the size of the benchmarks' tenant: 100,000 by default, so
// that a benchmark run takes seconds; -users=1000000 measures the load
// harness's tenant.
var benchUsers = flag.Int("users", 100_000, "users in the benchmarks' tenant")

// benchTenant opens a store on a fresh schema with one tenant. It commits
// synchronously, as a server does: the figures include the WAL flush, and
// VACUUM can mark the pages a replacement wrote all-visible at once (it
// cannot while their inserting commit may still be unflushed).
func benchTenant(b *testing.B) (*Store, string) {
	b.Helper()
	s := open(b, pgtest.WithParam(pgtest.DSN(b), "synchronous_commit", "on"))
	b.Cleanup(func() { s.Close() })
	return s, newTenant(b, s)
}

// newTenant creates a partner, a customer and a tenant, and returns the
// tenant's id.
func newTenant(t testing.TB, s secusers.Store) string {
	t.Helper()
	ctx := t.Context()
	p, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Bench"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, secusers.Customer{ID: uuid.NewString(), PartnerID: p.ID, Organization: "Bench"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := s.CreateTenant(ctx, secusers.Tenant{ID: uuid.NewString(), CustomerID: c.ID, Name: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// rare is the status about 1% of the benchmark's users have, for a filter
// whose matches are far apart in the order.
const rare = secusers.HighRisk

// benchUserSet returns n realistic users (see generatedUsers), shuffled: in
// no relation to the API's order, as a directory lists them, so that
// inserting them touches the index at random places.
func benchUserSet(n int) []secusers.User {
	users := generatedUsers(n)
	shuffle := rand.New(rand.NewPCG(1, 2))
	shuffle.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	return users
}

// generatedUsers returns n realistic users, the same as the SQLite store's
// benchmarks make (same seeds), so that the figures compare: full names and
// fields, 30% of them security users (as in the load harness's tenant), 1%
// with the rare status, which does not follow the names. In the order
// generated, the names cycle through 80 first and last name pairs, so a
// user's position in the API's order is near that of the user 80 before it.
func generatedUsers(n int) []secusers.User {
	first := []string{"Ana", "Bob", "Émile", "Zoë", "Jürgen", "Li", "Mark", "Nadia", "Óscar", "Sven"}
	last := []string{"Novak", "Horvat", "Müller", "Smith", "García", "Kovač", "Dubois", "Rossi"}
	statuses := rand.New(rand.NewPCG(3, 4))
	ids := rand.NewChaCha8([32]byte{5})
	users := make([]secusers.User, n)
	for i := range users {
		f, l := first[i%len(first)], last[i/len(first)%len(last)]
		var status secusers.StatusSet
		switch p := statuses.IntN(1000); {
		case p < 10:
			status = secusers.StatusSetOf(secusers.MFADisabled, rare)
		case p < 300:
			status = secusers.StatusSetOf(secusers.MFADisabled)
			if p%7 == 1 {
				status = status.With(secusers.Inactive)
			}
		}
		users[i] = secusers.User{
			ID: uuid.Must(uuid.NewRandomFromReader(ids)).String(), UserPrincipalName: fmt.Sprintf("user%d@contoso.onmicrosoft.com", i),
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

// BenchmarkReplaceUsers replaces a tenant that holds the same number of
// users, as every sync does (the delete of the old users is part of it),
// with the users shuffled and in the order generated, whose names come
// clustered, as the SQLite store's benchmark does.
func BenchmarkReplaceUsers(b *testing.B) {
	for _, order := range []struct {
		name  string
		users func(int) []secusers.User
	}{
		{"shuffled", benchUserSet},
		{"generated", generatedUsers},
	} {
		b.Run(order.name, func(b *testing.B) {
			s, tenant := benchTenant(b)
			users := order.users(*benchUsers)
			replaceAll(b, s, tenant, users)
			for b.Loop() {
				replaceAll(b, s, tenant, users)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(users)), "µs/user")
		})
	}
}

func replaceAll(b *testing.B, s *Store, tenant string, users []secusers.User) {
	b.Helper()
	r, err := s.ReplaceUsers(b.Context(), tenant, all(users))
	if err != nil || r.After != len(users) {
		b.Fatalf("ReplaceUsers: got %d, %v, want %d, nil", r.After, err, len(users))
	}
}

// BenchmarkSecurityUsersPage reads pages of 100 at both ends of the order,
// by offset and by keyset (After), for every security user and for the rare
// status, and the anchors every 100 matches, as the SQLite store's
// benchmark does. The table is vacuumed first: autovacuum sets the
// visibility map (which the index-only scans rely on) soon after a
// replacement, and a benchmark measures that steady state.
func BenchmarkSecurityUsersPage(b *testing.B) {
	s, tenant := benchTenant(b)
	if _, err := s.ReplaceUsers(b.Context(), tenant, all(benchUserSet(*benchUsers))); err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(b.Context(), `VACUUM (ANALYZE) users`); err != nil {
		b.Fatal(err)
	}
	const pageSize = 100
	for _, filter := range []struct {
		name string
		mask secusers.StatusSet
	}{
		{"all", 0},
		{"rare", secusers.StatusSetOf(rare)},
	} {
		keys, _, err := s.SecurityUserKeys(b.Context(), tenant, filter.mask, pageSize)
		if err != nil {
			b.Fatal(err)
		}
		// The last page starts at the last anchor; After is the user
		// before it, read as the API would read a nextLink's position.
		lastOffset := int64(len(keys)-1) * pageSize
		before, err := s.SecurityUsers(b.Context(), tenant, secusers.UserQuery{Statuses: filter.mask, Offset: lastOffset - 1, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		beforeLast := secusers.KeyOf(before.Users[0])
		for _, page := range []struct {
			name string
			q    secusers.UserQuery
		}{
			{"first", secusers.UserQuery{}},
			{"last-by-offset", secusers.UserQuery{Offset: lastOffset}},
			{"last-by-after", secusers.UserQuery{After: &beforeLast}},
		} {
			b.Run(filter.name+"/"+page.name, func(b *testing.B) {
				q := page.q
				q.Statuses, q.Limit = filter.mask, pageSize
				for b.Loop() {
					p, err := s.SecurityUsers(b.Context(), tenant, q)
					if err != nil || len(p.Users) == 0 {
						b.Fatalf("SecurityUsers: got %d users, %v", len(p.Users), err)
					}
				}
				b.ReportMetric(float64(before.Total), "matching")
			})
		}
		b.Run(filter.name+"/keys-every-100", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.SecurityUserKeys(b.Context(), tenant, filter.mask, pageSize); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(keys)), "keys")
		})
	}
}
