package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
)

// flakyStore is a store whose Ping fails while down is set, and hangs,
// heeding no context, while stuck is set: a database that is gone, and
// one whose driver is stuck in a dial.
type flakyStore struct {
	secusers.Store
	down, stuck atomic.Bool
	release     chan struct{}
}

func (s *flakyStore) Ping(ctx context.Context) error {
	switch {
	case s.stuck.Load():
		<-s.release
		return nil
	case s.down.Load():
		return secusers.Errorf(secusers.Unavailable, "dial tcp 10.0.0.7:5432: connection refused")
	}
	return s.Store.Ping(ctx)
}

func startFlaky(t *testing.T) (*running, *flakyStore) {
	t.Helper()
	st := &flakyStore{Store: openStore(t), release: make(chan struct{})}
	t.Cleanup(func() { close(st.release) })
	return startWith(t, func(c *server.Config) { c.Store = st }), st
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	rs, st := startFlaky(t)
	checkReady(t, rs.url)

	st.down.Store(true)
	checkNotReady(t, rs.url)
	if resp, _ := get(t, rs.url+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while the store is down: got %d, want 200 (liveness only)", resp.StatusCode)
	}
	if !strings.Contains(rs.logs.String(), "10.0.0.7") {
		t.Errorf("the log lacks the ping's cause; logs:\n%s", rs.logs)
	}

	st.down.Store(false)
	checkReady(t, rs.url)
}

func TestReadyzDoesNotHang(t *testing.T) {
	t.Parallel()
	rs, st := startFlaky(t)
	st.stuck.Store(true)
	start := time.Now()
	checkNotReady(t, rs.url)
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("readyz with a stuck store took %v, want about 2s", took)
	}
}

func checkReady(t *testing.T, base string) {
	t.Helper()
	resp, body := get(t, base+"/readyz")
	if resp.StatusCode != http.StatusOK || string(body) != `{"status":"ready"}`+"\n" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("readyz: got %d %q (%s), want 200 {\"status\":\"ready\"} as uncached JSON", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
}

func checkNotReady(t *testing.T, base string) {
	t.Helper()
	resp, body := get(t, base+"/readyz")
	e := decodeError(t, resp, body)
	if resp.StatusCode != http.StatusServiceUnavailable || e.Error.Code != "ServiceUnavailable" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("readyz: got %d %s Retry-After %q, want 503 ServiceUnavailable with Retry-After", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if strings.Contains(string(body), "10.0.0.7") {
		t.Errorf("readyz's body leaks the cause: %s", body)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	get(t, rs.url+"/healthz")
	get(t, rs.url+"/healthz")
	get(t, rs.url+"/readyz")
	get(t, rs.url+"/no/such/path")
	get(t, rs.url+"/partner/external/v3/um/customers/de000000-0000-4000-8000-000000000002/tenants/de000000-0000-4000-8000-000000000003/overview/security/users/batch")
	fams := scrapeMetrics(t, rs.url)
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{"GET /healthz", "200", 2},
		{"GET /readyz", "200", 1},
		{"unmatched", "404", 1},
		{"/partner/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security/users/batch", "401", 1},
	} {
		labels := map[string]string{"route": tc.route, "code": tc.code}
		if got := value(fams, "secusers_http_requests_total", labels); got != tc.want {
			t.Errorf("requests_total%v: got %v, want %v", labels, got, tc.want)
		}
		if got := value(fams, "secusers_http_request_duration_seconds", labels); got != tc.want {
			t.Errorf("request_duration_seconds%v: got %v observations, want %v", labels, got, tc.want)
		}
	}
	// The store calls of start-up (the signing key) and of /readyz.
	for _, method := range []string{"SigningKeys", "Ping"} {
		if got := value(fams, "secusers_store_call_duration_seconds", map[string]string{"method": method, "outcome": "ok"}); got < 1 {
			t.Errorf("store_call_duration_seconds{method=%q}: got %v observations, want at least 1", method, got)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("the scrape lacks %s", name)
		}
	}
	resp, _ := get(t, rs.url+"/metrics")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("metrics: got Content-Type %q, want the text format", ct)
	}
}

func scrapeMetrics(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics: got %d, want 200", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape: %v", err)
	}
	return fams
}

// value is the value of the series of name with exactly these labels: a
// counter's value, or a histogram's count of observations; 0 when absent.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	for _, m := range fams[name].GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if len(got) != len(labels) {
			continue
		}
		match := true
		for k, v := range labels {
			match = match && got[k] == v
		}
		if !match {
			continue
		}
		if m.Histogram != nil {
			return float64(m.GetHistogram().GetSampleCount())
		}
		return m.GetCounter().GetValue()
	}
	return 0
}
