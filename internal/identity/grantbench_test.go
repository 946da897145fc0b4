package identity

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// grantBenchApps is how many apps the grant benchmark spreads its requests
// over, round robin.
const grantBenchApps = 64

// benchStores open a fresh store of each kind for a benchmark.
var benchStores = []struct {
	name string
	open func(b *testing.B) secusers.Store
}{
	{"sqlite", func(b *testing.B) secusers.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "secusers.db"))
		if err != nil {
			b.Fatalf("open SQLite: %v", err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}},
	{"postgres", func(b *testing.B) secusers.Store {
		st, err := postgres.Open(context.Background(), pgtest.DSN(b))
		if err != nil {
			b.Fatalf("open PostgreSQL: %v", err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}},
}

// BenchmarkTokenGrant runs client_secret grants in parallel through the
// token endpoint as the server mounts it (request logging, the limiters
// per address and per client, set high enough never to refuse), on a real
// SQLite and a real PostgreSQL store, and reports grants a second. Each
// store runs with ES256 and RS256 keys, with the app cache on and off
// (off is how every grant read the store before the cache), side by side
// in one run, since the machine's noise drowns comparisons across runs.
// PostgreSQL is skipped when pgtest cannot reach it.
func BenchmarkTokenGrant(b *testing.B) {
	for _, sk := range benchStores {
		for _, alg := range []string{AlgorithmES256, AlgorithmRS256} {
			for _, cache := range []struct {
				name string
				ttl  time.Duration
			}{{"appcache", clientCacheTTL}, {"nocache", 0}} {
				b.Run(sk.name+"/"+alg+"/"+cache.name, func(b *testing.B) {
					h, bodies := grantBench(b, sk.open(b), alg, cache.ttl)
					runGrants(b, h, bodies)
				})
			}
		}
	}
}

// runGrants posts the grant bodies, round robin, from b.RunParallel's
// goroutines, and reports grants a second and the process's CPU time per
// grant (the store server's own, PostgreSQL's, is not in it).
func runGrants(b *testing.B, h http.Handler, bodies []string) {
	var next atomic.Uint64
	cpu, hasCPU := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := bodies[next.Add(1)%uint64(len(bodies))]
			req := httptest.NewRequest(http.MethodPost, tokenPath, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status: got %d %s, want 200", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
	if after, ok := processCPU(); ok && hasCPU {
		b.ReportMetric(float64((after-cpu).Microseconds())/float64(b.N), "cpu-µs/grant")
	}
}

// grantBench makes a Service on st that signs with alg and caches apps for
// cacheTTL, with grantBenchApps apps, each with a secret, and returns its
// handler and one grant request body per app.
func grantBench(b *testing.B, st secusers.Store, alg string, cacheTTL time.Duration) (http.Handler, []string) {
	b.Helper()
	ctx := context.Background()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	never := ratelimit.Limit{Rate: 1e9, Burst: 1e9}
	svc, err := New(ctx, Config{
		Store: st, Issuer: testIssuer, Logger: discard, SigningAlgorithm: alg,
		AddressLimiter: ratelimit.NewLocal(never), ClientLimiter: ratelimit.NewLocal(never),
	})
	if err != nil {
		b.Fatal(err)
	}
	svc.clients = newClientCache(time.Now, cacheTTL)
	partner, err := st.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "Bench Partner"})
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([]string, 0, grantBenchApps)
	for range grantBenchApps {
		app, err := st.CreateApp(ctx, secusers.App{
			ClientID: uuid.NewString(), PartnerID: partner.ID, Name: "Bench",
			Permissions: []string{secusers.PermissionReadUsers},
			Scope:       secusers.CustomerScope{Kind: secusers.ScopeAllCustomers},
		})
		if err != nil {
			b.Fatal(err)
		}
		secret, rec, err := NewClientSecret(app.ClientID, 1, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AddClientSecret(ctx, rec); err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, form("grant_type", "client_credentials", "client_id", app.ClientID, "client_secret", secret))
	}
	mux := http.NewServeMux()
	svc.Register(mux)
	return reqlog.Middleware(discard, mux), bodies
}
