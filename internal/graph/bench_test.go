package graph_test

import (
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
)

// heapObserver samples the live heap at each page: the peak shows whether
// a read holds one page or the whole collection.
type heapObserver struct{ peak uint64 }

func (o *heapObserver) OnRequest(string)                  {}
func (o *heapObserver) OnThrottled(string, time.Duration) {}
func (o *heapObserver) OnPage(string, int) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	o.peak = max(o.peak, m.HeapAlloc)
}

// BenchmarkReadUsers reads a 100,000-user tenant with sign-ins from the
// loopback fake and reports users per second and the peak live heap,
// which must not grow with the tenant (try -benchtime=1x with a larger n).
func BenchmarkReadUsers(b *testing.B) {
	const n = 100_000
	tenant := fakegraph.Generate(7, n, time.Now(), fakegraph.GenerateOptions{})
	srv := fakegraph.NewServer(tenant)
	srv.RegisterSecret(fakeClientID, fakeSecret)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	obs := &heapObserver{}
	c, err := graph.New(graph.Config{
		GraphURL: hs.URL, LoginURL: hs.URL, EntraTenantID: tenant.EntraTenantID, ClientID: fakeClientID,
		Credentials: graph.Credentials{ClientSecret: fakeSecret}, HTTPClient: hs.Client(), Observer: obs,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		count := 0
		for _, err := range c.Users(b.Context(), true) {
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("users: got %d, want %d", count, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
	b.ReportMetric(float64(obs.peak)/(1<<20), "peak-heap-MiB")
}
