package storetest

import (
	"flag"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// benchUsers is the size of the benchmarks' tenant: 100,000 by default, so
// that a benchmark run takes seconds; -users=1000000 measures the load
// harness's tenant.
var benchUsers = flag.Int("users", 100_000, "users in the store benchmarks' tenant")

// BenchOption adapts RunBenchmarks to a backend.
type BenchOption func(*benchmarks)

// ReplacePath is one of a backend's ways of replacing a tenant's users
// (SQLite's row-by-row and bulk paths): Use switches the store, as opened,
// to it.
type ReplacePath struct {
	Name string
	Use  func(s secusers.Store)
}

// ComparePaths makes the ReplaceUsers benchmark run every path in each
// iteration, one after the other, so that on a machine whose load varies
// all see the same, and report each one's wall and CPU time per user, and
// for two paths the first's over the second's.
func ComparePaths(paths ...ReplacePath) BenchOption {
	return func(b *benchmarks) { b.paths = paths }
}

// SettleWith makes the page benchmarks run settle once the tenant's users
// are written, to bring the store to the steady state a server reads in
// (PostgreSQL: the VACUUM that autovacuum runs soon after a replacement).
func SettleWith(settle func(b *testing.B, s secusers.Store)) BenchOption {
	return func(b *benchmarks) { b.settle = settle }
}

type benchmarks struct {
	open   func(b *testing.B) secusers.Store
	paths  []ReplacePath
	settle func(b *testing.B, s secusers.Store)
}

// RunBenchmarks runs the store benchmarks every backend shares:
// ReplaceUsers and SecurityUsersPage. open must return a fresh, empty
// store; the benchmark closes it.
func RunBenchmarks(b *testing.B, open func(b *testing.B) secusers.Store, opts ...BenchOption) {
	bm := benchmarks{open: open, paths: []ReplacePath{{Use: func(secusers.Store) {}}}}
	for _, opt := range opts {
		opt(&bm)
	}
	b.Run("ReplaceUsers", bm.replaceUsers)
	b.Run("SecurityUsersPage", bm.securityUsersPage)
}

// tenant opens a store with one tenant.
func (bm *benchmarks) tenant(b *testing.B) (secusers.Store, string) {
	b.Helper()
	s := bm.open(b)
	b.Cleanup(func() { s.Close() })
	return s, NewTenant(b, s)
}

// replaceUsers replaces a tenant that holds the same number of users, as
// every sync does (the delete of the old users is part of it), with the
// users shuffled, and in the order generated, whose names come clustered.
func (bm *benchmarks) replaceUsers(b *testing.B) {
	for _, order := range []struct {
		name  string
		users func(int) []secusers.User
	}{
		{"shuffled", ShuffledUsers},
		{"generated", GeneratedUsers},
	} {
		b.Run(order.name, func(b *testing.B) { bm.replacePaths(b, order.users(*benchUsers)) })
	}
}

func (bm *benchmarks) replacePaths(b *testing.B, users []secusers.User) {
	s, tenant := bm.tenant(b)
	replaceAll(b, s, tenant, users)
	wall := make([]time.Duration, len(bm.paths))
	cpu := make([]time.Duration, len(bm.paths))
	for b.Loop() {
		for i, p := range bm.paths {
			p.Use(s)
			start, startCPU := time.Now(), cpuTime()
			replaceAll(b, s, tenant, users)
			wall[i] += time.Since(start)
			cpu[i] += cpuTime() - startCPU
		}
	}
	perUser := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N*len(users)) }
	for i, p := range bm.paths {
		prefix := p.Name
		if prefix != "" {
			prefix += "-"
		}
		b.ReportMetric(perUser(wall[i]), prefix+"µs/user")
		b.ReportMetric(perUser(cpu[i]), prefix+"cpu-µs/user")
	}
	if len(bm.paths) == 2 {
		b.ReportMetric(float64(wall[0])/float64(wall[1]), "wall-ratio")
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
	}
	if len(bm.paths) > 1 {
		b.ReportMetric(0, "ns/op") // every path is in one op; the metrics above tell them apart
	}
}

func replaceAll(b *testing.B, s secusers.Store, tenant string, users []secusers.User) {
	b.Helper()
	r, err := s.ReplaceUsers(b.Context(), tenant, Seq(users))
	if err != nil || r.After != len(users) {
		b.Fatalf("ReplaceUsers: got %d, %v, want %d, nil", r.After, err, len(users))
	}
}

// securityUsersPage reads full pages of 100 at both ends of the order, by
// offset and by keyset (After), for every security user and for the rare
// status, and the anchors SecurityUserKeys gives for them. A keyset page
// must cost the same at the end as at the start; an offset page at the end
// skips every match before it.
func (bm *benchmarks) securityUsersPage(b *testing.B) {
	s, tenant := bm.tenant(b)
	if _, err := s.ReplaceUsers(b.Context(), tenant, Seq(ShuffledUsers(*benchUsers))); err != nil {
		b.Fatal(err)
	}
	if bm.settle != nil {
		bm.settle(b, s)
	}
	for _, filter := range []struct {
		name string
		mask secusers.StatusSet
	}{
		{"all", 0},
		{"rare", secusers.StatusSetOf(rare)},
	} {
		b.Run(filter.name, func(b *testing.B) { benchPages(b, s, tenant, filter.mask) })
	}
}

// benchPages runs the page benchmarks of one filter.
func benchPages(b *testing.B, s secusers.Store, tenant string, mask secusers.StatusSet) {
	const pageSize = 100
	keys, _, err := s.SecurityUserKeys(b.Context(), tenant, mask, pageSize)
	if err != nil {
		b.Fatal(err)
	}
	// The last full page; After is the user before it, as the API would
	// read a nextLink's position.
	first, err := s.SecurityUsers(b.Context(), tenant, secusers.UserQuery{Statuses: mask, Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	lastOffset := first.Total - pageSize
	before, err := s.SecurityUsers(b.Context(), tenant, secusers.UserQuery{Statuses: mask, Offset: lastOffset - 1, Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	beforeLast := before.Users[0].Key
	for _, page := range []struct {
		name string
		q    secusers.UserQuery
	}{
		{"first", secusers.UserQuery{}},
		{"last-by-offset", secusers.UserQuery{Offset: lastOffset}},
		{"last-by-after", secusers.UserQuery{After: &beforeLast}},
	} {
		b.Run(page.name, func(b *testing.B) {
			q := page.q
			q.Statuses, q.Limit = mask, pageSize
			for b.Loop() {
				p, err := s.SecurityUsers(b.Context(), tenant, q)
				if err != nil || len(p.Users) != pageSize {
					b.Fatalf("SecurityUsers: got %d users, %v, want a full page", len(p.Users), err)
				}
			}
			b.ReportMetric(float64(before.Total), "matching")
		})
	}
	b.Run("keys-every-100", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.SecurityUserKeys(b.Context(), tenant, mask, pageSize); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(keys)), "keys")
	})
}
