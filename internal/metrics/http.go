package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Unmatched is the route label of a request that matched no ServeMux
// pattern: an unknown path (404), a known path with another method (405),
// or a request the mux refused outright.
const Unmatched = "unmatched"

// httpBuckets are the latency buckets of requests, in seconds. The API
// aims at a few milliseconds per page, so the default buckets (which start
// at 5 ms) would put every request in the first one.
var httpBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// httpMetrics are the series InstrumentHandler records.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) httpMetrics {
	return httpMetrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by ServeMux route pattern (or \"unmatched\") and status code.",
		}, []string{"route", "code"})),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from receiving a request's headers to the handler's return, by route and status code.",
			Buckets: httpBuckets,
		}, []string{"route", "code"})),
		inFlight: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served now.",
		})),
	}
}

// InstrumentHandler counts and times the requests next serves. next must
// be, or pass the request unchanged to, the ServeMux that routes it: the
// route label is the Request.Pattern the mux sets on that very request,
// which a middleware in between that copies the request (WithContext)
// would hide, turning every route into Unmatched.
//
// The series are recorded when next returns or panics, so a request cut
// off by a panic still counts, with the status written before it.
func InstrumentHandler(reg prometheus.Registerer, next http.Handler) http.Handler {
	m := newHTTPMetrics(reg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.inFlight.Dec()
			route := r.Pattern
			if route == "" {
				route = Unmatched
			}
			code := strconv.Itoa(sw.status())
			m.requests.WithLabelValues(route, code).Inc()
			m.duration.WithLabelValues(route, code).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter records the status of the response written through it.
type statusWriter struct {
	http.ResponseWriter
	code int // 0 until the header is written
}

func (w *statusWriter) WriteHeader(code int) {
	// Informational (1xx) headers precede the real one; only the final
	// status describes the response.
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes flushes on; a flushed response has sent its 200 header.
func (w *statusWriter) Flush() {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status is the response's status: a handler that wrote nothing sent 200.
func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
