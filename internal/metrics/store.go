package metrics

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/secusers"
)

// storeBuckets are the latency buckets of store calls, in seconds: from
// the tenth of a millisecond an indexed SQLite read takes to the seconds a
// large import or an unreachable database takes.
var storeBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Outcomes of a store call besides the domain error kinds.
const (
	OutcomeOK       = "ok"
	OutcomeCanceled = "canceled" // the caller's context was cancelled (a client that went away)
	OutcomeTimeout  = "timeout"  // the caller's deadline passed
)

// Outcome is the outcome label of a store call that returned err:
// OutcomeOK, OutcomeCanceled, OutcomeTimeout, or the domain error's kind
// ("not_found", "conflict", "unavailable", "internal", …). A lookup that
// finds nothing is not a fault, so not-found is told apart from faults.
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	}
	return strings.ReplaceAll(secusers.KindOf(err).String(), " ", "_")
}

// InstrumentStore returns s with every call timed into
// secusers_store_call_duration_seconds{method,outcome}, registered on reg.
// The wrapper has exactly the methods of secusers.Store: optional
// interfaces of s (such as PoolStatser) are not visible through it, so
// RegisterPool takes the store itself.
func InstrumentStore(s secusers.Store, reg prometheus.Registerer) secusers.Store {
	return &instrumentedStore{next: s, duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "store", Name: "call_duration_seconds",
		Help: "Time of store calls by Store method and outcome (ok, canceled, timeout, or the error kind). " +
			"An iterator's call lasts from the first to the last item the caller took.",
		Buckets: storeBuckets,
	}, []string{"method", "outcome"}))}
}

// instrumentedStore times each call of next. Each method is one line of
// delegation and one deferred observation, so that a reader (and the test
// that calls every method) can check it at a glance.
type instrumentedStore struct {
	next     secusers.Store
	duration *prometheus.HistogramVec
}

var _ secusers.Store = (*instrumentedStore)(nil)

// observe records a call of method under ctx that started at start and
// returned *err; it is deferred, so *err is read once the call has
// returned.
func (s *instrumentedStore) observe(ctx context.Context, method string, start time.Time, err *error) {
	s.duration.WithLabelValues(method, outcomeIn(ctx, *err)).Observe(time.Since(start).Seconds())
}

// outcomeIn is Outcome, except that a fault under a context that has
// ended is put down to the context: a driver interrupted by it reports
// that in its own words, which need not wrap the context's error. A
// definite answer (not found, conflict, …) that came just in time keeps
// its kind.
func outcomeIn(ctx context.Context, err error) string {
	if kind := secusers.KindOf(err); err != nil && (kind == secusers.Internal || kind == secusers.Unavailable) {
		switch ctx.Err() {
		case context.Canceled:
			return OutcomeCanceled
		case context.DeadlineExceeded:
			return OutcomeTimeout
		}
	}
	return Outcome(err)
}
