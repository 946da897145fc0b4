package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/metrics"
	"github.com/secusers/secusers/internal/server"
)

// startOps runs a server with an operations address on loopback.
func startOps(t *testing.T, configure func(*server.Config)) *running {
	t.Helper()
	return startWith(t, func(c *server.Config) {
		c.OpsAddr = "127.0.0.1:0"
		if configure != nil {
			configure(c)
		}
	})
}

// TestOpsAddrSplitsRoutes checks which address answers what: with an
// operations address, the public one no longer serves /metrics and
// /readyz, and the operations one serves nothing else.
func TestOpsAddrSplitsRoutes(t *testing.T) {
	t.Parallel()
	rs := startOps(t, nil)
	ops := rs.srv.OpsURL()
	if !strings.HasPrefix(ops, "http://127.0.0.1:") || ops == rs.url || rs.srv.OpsAddr() != strings.TrimPrefix(ops, "http://") {
		t.Fatalf("got OpsURL %q and OpsAddr %q (URL %q), want another loopback address", ops, rs.srv.OpsAddr(), rs.url)
	}
	users := "/partner/external/v3/um/customers/de000000-0000-4000-8000-000000000002/tenants/de000000-0000-4000-8000-000000000003/overview/security/users/batch"
	for _, tc := range []struct {
		base, path string
		want       int
	}{
		{rs.url, "/metrics", http.StatusNotFound},
		{rs.url, "/readyz", http.StatusNotFound},
		{rs.url, "/healthz", http.StatusOK},
		{rs.url, "/openapi.yaml", http.StatusOK},
		{rs.url, users, http.StatusUnauthorized},
		{ops, "/metrics", http.StatusOK},
		{ops, "/readyz", http.StatusOK},
		{ops, "/healthz", http.StatusOK},
		{ops, "/openapi.yaml", http.StatusNotFound},
		{ops, "/.well-known/openid-configuration", http.StatusNotFound},
		{ops, users, http.StatusNotFound},
	} {
		resp, body := get(t, tc.base+tc.path)
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s%s: got %d, want %d", tc.base, tc.path, resp.StatusCode, tc.want)
		}
		if resp.Header.Get("request-id") == "" {
			t.Errorf("GET %s%s: no request-id", tc.base, tc.path)
		}
		if resp.StatusCode == http.StatusNotFound {
			if e := decodeError(t, resp, body); e.Error.Code != "NotFound" {
				t.Errorf("GET %s%s: got %s, want the JSON NotFound", tc.base, tc.path, body)
			}
		}
	}
	// Both addresses count their requests in the one registry.
	fams := scrapeMetrics(t, ops)
	if got := value(fams, "secusers_http_requests_total", map[string]string{"route": "GET /healthz", "code": "200"}); got != 2 {
		t.Errorf("requests_total of GET /healthz on both addresses: got %v, want 2", got)
	}
}

func TestOpsAddrIsAnnounced(t *testing.T) {
	t.Parallel()
	rs := startOps(t, nil)
	want := "listening on " + rs.url + "\noperations (/metrics, /readyz, /healthz) on " + rs.srv.OpsURL() + "\n"
	waitFor(t, func() bool { return rs.out.String() == want }, "both addresses on Out")
	var line struct {
		Msg, Addr, OpsAddr string
	}
	for l := range strings.SplitSeq(rs.logs.String(), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "listening" {
			break
		}
	}
	if line.Addr != rs.srv.Addr() || line.OpsAddr != rs.srv.OpsAddr() {
		t.Errorf("got the listening log line %+v, want addr %s and opsAddr %s", line, rs.srv.Addr(), rs.srv.OpsAddr())
	}
}

func TestOpsAddrInUse(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	srv := server.New(server.Config{Addr: "127.0.0.1:0", OpsAddr: taken.Addr().String(), Store: openStore(t)})
	if err := srv.Listen(context.Background()); err == nil || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("Listen with an operations address in use: got %v, want an error naming it", err)
	}
	if srv.Addr() != "" {
		t.Errorf("after a failed Listen, Addr is %q, want \"\"", srv.Addr())
	}
}

// blockingCollector is a metrics collector that waits for release: a
// scrape in flight on the operations address.
type blockingCollector struct {
	started chan struct{} // receives when a scrape starts
	release chan struct{}
}

func (c *blockingCollector) Describe(chan<- *prometheus.Desc) {} // unchecked: it collects nothing

func (c *blockingCollector) Collect(chan<- prometheus.Metric) {
	c.started <- struct{}{}
	<-c.release
}

// TestOpsAddrShutdownDrainsBoth stops the server while a request is in
// flight on each address: both finish, and Serve returns nil.
func TestOpsAddrShutdownDrainsBoth(t *testing.T) {
	t.Parallel()
	scrape := &blockingCollector{started: make(chan struct{}, 1), release: make(chan struct{})}
	slowStarted := make(chan struct{})
	rs := startOps(t, func(c *server.Config) {
		c.Metrics = metrics.NewRegistry()
		c.Metrics.MustRegister(scrape)
		c.Routes = func(mux *http.ServeMux) {
			mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
				close(slowStarted)
				<-scrape.release
				io.WriteString(w, "done")
			})
		}
	})
	type result struct {
		status int
		err    error
	}
	fetch := func(url string, got chan<- result) {
		resp, err := http.Get(url)
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, err}
	}
	public, ops := make(chan result, 1), make(chan result, 1)
	go fetch(rs.url+"/slow", public)
	go fetch(rs.srv.OpsURL()+"/metrics", ops)
	<-slowStarted
	<-scrape.started

	rs.cancel()
	// Shutdown closes the listeners first: once neither accepts, both
	// requests are in flight during the drain.
	for _, addr := range []string{rs.srv.Addr(), rs.srv.OpsAddr()} {
		waitFor(t, func() bool {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err != nil
		}, "the listener on "+addr+" to close")
	}
	close(scrape.release)
	for name, got := range map[string]chan result{"public /slow": public, "ops /metrics": ops} {
		if r := <-got; r.err != nil || r.status != http.StatusOK {
			t.Errorf("%s in flight at shutdown: got %d, %v; want 200", name, r.status, r.err)
		}
	}
	select {
	case err := <-rs.done:
		rs.done <- err // for the cleanup
		if err != nil {
			t.Errorf("Serve: got %v, want nil after a requested shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}
