package server_test

import (
	"net/http"
	"testing"
)

// TestOverviewRoutes checks that the server serves the overview endpoints
// (history, a tenant's changes, the changes across tenants) on both
// prefixes, through the API's pipeline: a request without a token is the
// API's 401, another method its 405, and the metrics name each route by
// its pattern.
func TestOverviewRoutes(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	const tenant = "/external/v3/um/customers/de000000-0000-4000-8000-000000000002/tenants/de000000-0000-4000-8000-000000000003/overview/security"
	for _, path := range []string{
		tenant + "/history", "/partner" + tenant + "/history",
		tenant + "/changes", "/partner" + tenant + "/changes",
		"/external/v3/um/overview/security/changes", "/partner/external/v3/um/overview/security/changes",
	} {
		resp, body := get(t, rs.url+path)
		if e := decodeError(t, resp, body); resp.StatusCode != http.StatusUnauthorized || e.Error.Code != "Unauthorized" {
			t.Errorf("GET %s without a token: got %d %s, want the API's 401", path, resp.StatusCode, body)
		}
		req, err := http.NewRequest(http.MethodDelete, rs.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
			t.Errorf("DELETE %s: got %d Allow %q, want 405 allowing GET", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	fams := scrapeMetrics(t, rs.url)
	for _, route := range []string{
		"/partner/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security/history",
		"/external/v3/um/overview/security/changes",
	} {
		if got := value(fams, "secusers_http_requests_total", map[string]string{"route": route, "code": "401"}); got != 1 {
			t.Errorf("requests_total{route=%q,code=401}: got %v, want 1", route, got)
		}
	}
}
