package metrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/metrics"
	"github.com/secusers/secusers/internal/secusers"
)

// fakePool reports fixed pool statistics.
type fakePool struct{ stats secusers.PoolStats }

func (p *fakePool) PoolStats() secusers.PoolStats { return p.stats }

func TestPoolCollector(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	pool := &fakePool{secusers.PoolStats{
		MaxConns: 10, TotalConns: 4, AcquiredConns: 3, IdleConns: 1,
		AcquireCount: 120, AcquireDuration: 1500 * time.Millisecond,
		EmptyAcquireCount: 7, CanceledAcquireCount: 2, NewConnsCount: 5,
	}}
	if !metrics.RegisterPool(reg, pool) {
		t.Fatal("RegisterPool: got false for a store with pool statistics")
	}
	check := func(want map[string]float64) {
		t.Helper()
		fams := gathered(t, reg)
		for name, v := range want {
			if got, ok := fams.value(name, nil); !ok || got != v {
				t.Errorf("%s: got %v (present %v), want %v", name, got, ok, v)
			}
		}
	}
	check(map[string]float64{
		"secusers_store_pool_max_connections":                10,
		"secusers_store_pool_open_connections":               4,
		"secusers_store_pool_in_use_connections":             3,
		"secusers_store_pool_idle_connections":               1,
		"secusers_store_pool_acquires_total":                 120,
		"secusers_store_pool_acquire_duration_seconds_total": 1.5,
		"secusers_store_pool_empty_acquires_total":           7,
		"secusers_store_pool_canceled_acquires_total":        2,
		"secusers_store_pool_new_connections_total":          5,
	})
	pool.stats.AcquiredConns, pool.stats.NewConnsCount = 9, 8 // read at each scrape
	check(map[string]float64{"secusers_store_pool_in_use_connections": 9, "secusers_store_pool_new_connections_total": 8})
}

func TestRegisterPoolWithoutStats(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	if metrics.RegisterPool(reg, openStore(t)) {
		t.Error("RegisterPool: got true for the SQLite store, which has no pool statistics")
	}
	if fams := gathered(t, reg); len(fams) != 0 {
		t.Errorf("got %d metric families, want none", len(fams))
	}
}
