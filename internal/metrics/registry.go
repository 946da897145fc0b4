package metrics

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes the service's own metrics, so that they do not mix
// with those of other programs scraped into the same Prometheus.
const namespace = "secusers"

// NewRegistry returns a registry with the Go runtime and process
// collectors, the usual companions of a service's own metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves the metrics of g in the Prometheus text format (or
// another format the scraper negotiates). A collector that fails is
// logged and left out rather than failing the whole scrape: the other
// metrics stay visible exactly when something is wrong.
func Handler(g prometheus.Gatherer, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		// A scrape is cheap, but a flood of them must not pile up.
		MaxRequestsInFlight: 4,
	})
}

// register registers c on reg and returns it, or returns the equal
// collector registered before: instrumenting twice against one registry
// (two handlers of one server, say) then shares the series instead of
// panicking. Any other registration error is a programming error.
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
