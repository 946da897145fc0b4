package metrics_test

import (
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/metrics"
)

// newServer serves a small mux, instrumented on its own registry, with the
// metrics at /metrics.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	reg := metrics.NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.PathValue("name"))
	})
	mux.HandleFunc("POST /things", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.Handle("GET /metrics", metrics.Handler(reg, slog.New(slog.DiscardHandler)))
	srv := httptest.NewServer(metrics.InstrumentHandler(reg, mux))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRequestsByRouteAndCode(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	before := scrape(t, srv.URL+"/metrics")
	if _, ok := before.value("secusers_http_requests_total", map[string]string{"route": "GET /hello/{name}"}); ok {
		t.Fatalf("a route has a series before any request to it")
	}
	for _, name := range []string{"ann", "bob", "cy"} {
		do(t, http.MethodGet, srv.URL+"/hello/"+name)
	}
	do(t, http.MethodPost, srv.URL+"/things")
	do(t, http.MethodGet, srv.URL+"/no/such/path")
	do(t, http.MethodGet, srv.URL+"/another/unknown")
	do(t, http.MethodDelete, srv.URL+"/hello/ann") // 405

	after := scrape(t, srv.URL+"/metrics")
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{"GET /hello/{name}", "200", 3},
		{"POST /things", "201", 1},
		{metrics.Unmatched, "404", 2},
		{metrics.Unmatched, "405", 1},
		{"GET /metrics", "200", 1}, // the first scrape; the second is still in flight
	} {
		labels := map[string]string{"route": tc.route, "code": tc.code}
		if got, _ := after.value("secusers_http_requests_total", labels); got != tc.want {
			t.Errorf("requests_total%v: got %v, want %v", labels, got, tc.want)
		}
		if got, _ := after.value("secusers_http_request_duration_seconds", labels); got != tc.want {
			t.Errorf("request_duration_seconds%v: got %v observations, want %v", labels, got, tc.want)
		}
	}
	for _, route := range after.labelValues("secusers_http_requests_total", "route") {
		if strings.Contains(route, "ann") || strings.Contains(route, "unknown") {
			t.Errorf("got route label %q, want patterns only, never a request's path", route)
		}
	}
	if got, _ := after.value("secusers_http_requests_in_flight", nil); got != 1 {
		t.Errorf("requests_in_flight during a scrape: got %v, want 1 (the scrape)", got)
	}
}

func TestServersSideBySideCountTheirOwn(t *testing.T) {
	t.Parallel()
	a, b := newServer(t), newServer(t)
	do(t, http.MethodGet, a.URL+"/hello/x")
	if got, _ := scrape(t, a.URL+"/metrics").value("secusers_http_requests_total", map[string]string{"route": "GET /hello/{name}"}); got != 1 {
		t.Errorf("server a: got %v requests, want 1", got)
	}
	if got, ok := scrape(t, b.URL+"/metrics").value("secusers_http_requests_total", map[string]string{"route": "GET /hello/{name}"}); ok {
		t.Errorf("server b: got %v requests of a's, want none", got)
	}
}

func TestRegistryHasRuntimeAndProcess(t *testing.T) {
	t.Parallel()
	fams := scrape(t, newServer(t).URL+"/metrics")
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("the scrape lacks %s; it has %v", name, slices.Sorted(maps.Keys(fams)))
		}
	}
}

func TestInstrumentingTwiceSharesTheSeries(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("GET /x", ok)
	h1, h2 := metrics.InstrumentHandler(reg, mux), metrics.InstrumentHandler(reg, mux) // must not panic
	for _, h := range []http.Handler{h1, h2} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	}
	if got, _ := gathered(t, reg).value("secusers_http_requests_total", map[string]string{"route": "GET /x"}); got != 2 {
		t.Errorf("got %v requests, want 2 counted in one series", got)
	}
}

func TestPanicStillCounts(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic(http.ErrAbortHandler)
	})
	h := metrics.InstrumentHandler(reg, mux)
	func() {
		defer func() { _ = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/boom", nil))
	}()
	fams := gathered(t, reg)
	if got, _ := fams.value("secusers_http_requests_total", map[string]string{"route": "GET /boom", "code": "202"}); got != 1 {
		t.Errorf("got %v requests, want the panicking one counted with its status", got)
	}
	if got, _ := fams.value("secusers_http_requests_in_flight", nil); got != 0 {
		t.Errorf("requests_in_flight after a panic: got %v, want 0", got)
	}
}
