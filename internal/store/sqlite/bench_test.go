package sqlite

import (
	"flag"
	"fmt"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// benchUsers is the size of the benchmarks' tenant: 100,000 by default, so
// that a benchmark run takes seconds; the load harness's tenant is
// -users=1000000.
var benchUsers = flag.Int("users", 100_000, "users in the benchmarks' tenant")

// benchTenant opens a store with one tenant.
func benchTenant(tb testing.TB) (*Store, string) {
	tb.Helper()
	s := open(tb, filepath.Join(tb.TempDir(), "bench.db"))
	tb.Cleanup(func() { s.Close() })
	ctx := tb.Context()
	p, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Bench"})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, secusers.Customer{ID: uuid.NewString(), PartnerID: p.ID, Organization: "Bench"})
	if err != nil {
		tb.Fatal(err)
	}
	tn, err := s.CreateTenant(ctx, secusers.Tenant{ID: uuid.NewString(), CustomerID: c.ID, Name: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return s, tn.ID
}

// rare is the status about 1% of the benchmark's users have, for a filter
// whose matches are far apart in the order.
const rare = secusers.HighRisk

// benchUserSet returns n realistic users (see generatedUsers), shuffled: in
// no relation to the API's order, as a directory lists them, so that
// inserting them touches the indexes at random places.
func benchUserSet(n int) []secusers.User {
	users := generatedUsers(n)
	shuffle := rand.New(rand.NewPCG(1, 2))
	shuffle.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	return users
}

// generatedUsers returns n realistic users: full names and fields, 30% of
// them security users (as in the load harness's tenant), 1% with the rare
// status. The statuses do not follow the names, so that a filter's matches
// spread over the whole order. In the order generated, the names cycle
// through 80 first and last name pairs, so a user's position in the API's
// order is near that of the user 80 before it.
func generatedUsers(n int) []secusers.User {
	first := []string{"Ana", "Bob", "Émile", "Zoë", "Jürgen", "Li", "Mark", "Nadia", "Óscar", "Sven"}
	last := []string{"Novak", "Horvat", "Müller", "Smith", "García", "Kovač", "Dubois", "Rossi"}
	// Fixed seeds: the same users in every run.
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

// BenchmarkReplaceUsers compares the row-by-row path (the only one before
// the bulk path existed) with the bulk path, replacing a tenant that holds
// the same number of users, as every sync does: with the users shuffled,
// and in the order generated, whose names come clustered. Each iteration
// runs both paths, one after the other, so that on a machine whose load
// varies both see the same; it reports each one's wall and CPU time per
// user and the ratios.
func BenchmarkReplaceUsers(b *testing.B) {
	for _, order := range []struct {
		name  string
		users func(int) []secusers.User
	}{
		{"shuffled", benchUserSet},
		{"generated", generatedUsers},
	} {
		b.Run(order.name, func(b *testing.B) { benchmarkPaths(b, order.users(*benchUsers)) })
	}
}

func benchmarkPaths(b *testing.B, users []secusers.User) {
	s, tenant := benchTenant(b)
	replaceAll(b, s, tenant, users)
	paths := []struct {
		name    string
		bulkMin int64
	}{
		{"rowbyrow", 0},
		{"bulk", defaultBulkMin},
	}
	wall := make([]time.Duration, len(paths))
	cpu := make([]time.Duration, len(paths))
	for b.Loop() {
		for i, p := range paths {
			s.bulkMin = p.bulkMin
			start, startCPU := time.Now(), cpuTime()
			replaceAll(b, s, tenant, users)
			wall[i] += time.Since(start)
			cpu[i] += cpuTime() - startCPU
		}
	}
	perUser := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N*len(users)) }
	for i, p := range paths {
		b.ReportMetric(perUser(wall[i]), p.name+"-µs/user")
		b.ReportMetric(perUser(cpu[i]), p.name+"-cpu-µs/user")
	}
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "wall-ratio")
	b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
	b.ReportMetric(0, "ns/op") // both paths are in one op; the metrics above tell them apart
}

func replaceAll(b *testing.B, s *Store, tenant string, users []secusers.User) {
	b.Helper()
	r, err := s.ReplaceUsers(b.Context(), tenant, all(users))
	if err != nil || r.After != len(users) {
		b.Fatalf("ReplaceUsers: got %d, %v, want %d, nil", r.After, err, len(users))
	}
}

// BenchmarkSecurityUsersPage reads full pages of 100 at both ends of the
// order, by offset and by keyset (After), for every security user and for
// the rare status, and the anchors SecurityUserKeys gives for them. A
// keyset page must cost the same at the end as at the start; an offset page
// at the end skips every match before it.
func BenchmarkSecurityUsersPage(b *testing.B) {
	s, tenant := benchTenant(b)
	if _, err := s.ReplaceUsers(b.Context(), tenant, all(benchUserSet(*benchUsers))); err != nil {
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
		// The last full page; After is the user before it, as the API
		// would read a nextLink's position.
		first, err := s.SecurityUsers(b.Context(), tenant, secusers.UserQuery{Statuses: filter.mask, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		lastOffset := first.Total - pageSize
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
					if err != nil || len(p.Users) != pageSize {
						b.Fatalf("SecurityUsers: got %d users, %v, want a full page", len(p.Users), err)
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
