package server_test

import (
	"net/http"
	"testing"

	"github.com/secusers/secusers/internal/server"
	"github.com/secusers/secusers/internal/store/postgres"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// TestPostgresPoolMetrics runs the server on the PostgreSQL store, whose
// pool the metrics report; it skips without a reachable PostgreSQL (see
// pgtest).
func TestPostgresPoolMetrics(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	rs := startWith(t, func(c *server.Config) { c.Store = st })
	if resp, body := get(t, rs.url+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: got %d %s, want 200", resp.StatusCode, body)
	}
	fams := scrapeMetrics(t, rs.url)
	for _, name := range []string{"secusers_store_pool_max_connections", "secusers_store_pool_open_connections", "secusers_store_pool_acquires_total"} {
		fam, ok := fams[name]
		if !ok || len(fam.GetMetric()) != 1 {
			t.Errorf("the scrape lacks %s", name)
		}
	}
	if m := fams["secusers_store_pool_max_connections"].GetMetric(); len(m) == 1 && m[0].GetGauge().GetValue() < 1 {
		t.Errorf("max_connections: got %v, want the pool's size", m[0].GetGauge().GetValue())
	}
	if got := value(fams, "secusers_store_call_duration_seconds", map[string]string{"method": "Ping", "outcome": "ok"}); got != 1 {
		t.Errorf("store Ping observations: got %v, want 1 (the readyz)", got)
	}
}
