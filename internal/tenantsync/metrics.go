package tenantsync

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/secusers"
)

// runBuckets are the buckets of a run's duration, in seconds: from the
// second a small tenant takes to the hour a very large or throttled one may.
var runBuckets = []float64{1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// Metrics are the sync's Prometheus series, all prefixed secusers_sync_:
//
//	runs_total{result}                       counter: runs by result (succeeded, failed)
//	run_duration_seconds{result}             histogram
//	users_written_total                      counter: users written by completed runs
//	users_skipped_total                      counter: Graph users skipped as unstorable
//	throttled_retries_total{read}            counter: 429/503 answers the client waited out
//	unavailable_statuses_total{status}       counter: statuses a completed run could not judge
//
// A nil *Metrics records nothing. Tenants are not a label: a partner with
// thousands of tenants would make thousands of series; the run records in
// the store say which tenant did what.
type Metrics struct {
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	written     prometheus.Counter
	skipped     prometheus.Counter
	throttled   *prometheus.CounterVec
	unavailable *prometheus.CounterVec
}

// NewMetrics registers the sync's series on reg. Registering twice on one
// registry (two Syncers of one server) shares the series.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns, sub = "secusers", "sync"
	return &Metrics{
		runs: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "runs_total",
			Help: "Sync runs that ended, by result (succeeded or failed).",
		}, []string{"result"})),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "run_duration_seconds",
			Help:    "Time from a sync run's start to its end, by result.",
			Buckets: runBuckets,
		}, []string{"result"})),
		written: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "users_written_total",
			Help: "Users written to the store by sync runs that completed.",
		})),
		skipped: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "users_skipped_total",
			Help: "Users Graph returned that could not be stored (e.g. an id that is not a GUID) and were skipped.",
		})),
		throttled: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "throttled_retries_total",
			Help: "Graph answers 429 or 503 that the client waited out before trying again, by read.",
		}, []string{"read"})),
		unavailable: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "unavailable_statuses_total",
			Help: "Statuses a completed run could not judge (a read Graph refused for want of a licence or permission), by status.",
		}, []string{"status"})),
	}
}

// register registers c on reg, or returns the equal collector registered
// before; any other error is a programming error.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(err)
}

// runEnded records a run's end.
func (m *Metrics) runEnded(run secusers.SyncRun, d time.Duration, skipped int) {
	if m == nil {
		return
	}
	result := string(run.Result)
	m.runs.WithLabelValues(result).Inc()
	m.duration.WithLabelValues(result).Observe(d.Seconds())
	m.skipped.Add(float64(skipped))
	if run.Result != secusers.SyncSucceeded {
		return
	}
	m.written.Add(float64(run.Users))
	for _, u := range run.Unavailable {
		m.unavailable.WithLabelValues(u.Status.String()).Inc()
	}
}

// throttledRetry records one wait after a 429 or 503.
func (m *Metrics) throttledRetry(read string) {
	if m == nil {
		return
	}
	m.throttled.WithLabelValues(read).Inc()
}
