package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/secusers"
)

// PoolStatser is a store with a connection pool whose use can be read: the
// PostgreSQL store. Its statistics are the domain's plain snapshot
// (secusers.PoolStats), so that this package depends on neither the store
// nor its driver. (SQLite has no pool worth watching: its writers queue on
// the file lock, which store call latency shows.)
type PoolStatser interface {
	PoolStats() secusers.PoolStats
}

// RegisterPool registers a collector of s's pool statistics on reg when s
// offers them (PoolStatser), and reports whether it did. Pass the store
// itself, not InstrumentStore's wrapper, which hides the method.
func RegisterPool(reg prometheus.Registerer, s any) bool {
	p, ok := s.(PoolStatser)
	if ok {
		register(reg, NewPoolCollector(p))
	}
	return ok
}

// poolCollector reads the pool statistics at each scrape: they are levels
// and counters the pool keeps anyway, so nothing is added to the request
// path.
type poolCollector struct {
	pool                            PoolStatser
	max, open, inUse, idle          *prometheus.Desc
	acquires, acquireSeconds        *prometheus.Desc
	emptyAcquires, canceledAcquires *prometheus.Desc
	newConns                        *prometheus.Desc
}

// NewPoolCollector returns a collector of p's pool statistics.
func NewPoolCollector(p PoolStatser) prometheus.Collector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "store_pool", name), help, nil, nil)
	}
	return &poolCollector{
		pool:             p,
		max:              desc("max_connections", "The most connections the store's pool opens."),
		open:             desc("open_connections", "Connections the store's pool holds open: in use, idle, or being made."),
		inUse:            desc("in_use_connections", "Connections serving a store call now."),
		idle:             desc("idle_connections", "Open connections waiting for a store call."),
		acquires:         desc("acquires_total", "Connections taken from the pool by store calls."),
		acquireSeconds:   desc("acquire_duration_seconds_total", "Total time store calls spent getting a connection from the pool."),
		emptyAcquires:    desc("empty_acquires_total", "Store calls that waited for a connection because none was idle: a sign the pool is too small."),
		canceledAcquires: desc("canceled_acquires_total", "Store calls whose context ended while they waited for a connection."),
		newConns:         desc("new_connections_total", "Connections opened; it grows when the database restarts and the pool reconnects."),
	}
}

// Describe sends the descriptors of every metric Collect sends.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.max, c.open, c.inUse, c.idle, c.acquires, c.acquireSeconds, c.emptyAcquires, c.canceledAcquires, c.newConns} {
		ch <- d
	}
}

// Collect sends the pool's statistics as they are now.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.PoolStats()
	send := func(d *prometheus.Desc, t prometheus.ValueType, v float64) {
		ch <- prometheus.MustNewConstMetric(d, t, v)
	}
	send(c.max, prometheus.GaugeValue, float64(s.MaxConns))
	send(c.open, prometheus.GaugeValue, float64(s.TotalConns))
	send(c.inUse, prometheus.GaugeValue, float64(s.AcquiredConns))
	send(c.idle, prometheus.GaugeValue, float64(s.IdleConns))
	send(c.acquires, prometheus.CounterValue, float64(s.AcquireCount))
	send(c.acquireSeconds, prometheus.CounterValue, s.AcquireDuration.Seconds())
	send(c.emptyAcquires, prometheus.CounterValue, float64(s.EmptyAcquireCount))
	send(c.canceledAcquires, prometheus.CounterValue, float64(s.CanceledAcquireCount))
	send(c.newConns, prometheus.CounterValue, float64(s.NewConnsCount))
}
