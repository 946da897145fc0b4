package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzHandlerQuery sends any raw query string through the whole handler
// and the real store: the answer is 200 or 400, never a fault.
func FuzzHandlerQuery(f *testing.F) {
	fx := newFixture(f)
	for _, seed := range []string{
		"", "pageIndex=2&pageSize=10", "status=0,3&status=HighRisk", "status=0,,1", "PageIndex=1&pageindex=2",
		"pageSize=%zz", "a;b", "pageIndex=2147483647&pageSize=1000", "status=%2C", "x=%00&status=8",
		"skipToken=", "pageIndex=2&pageSize=3&status=0,3&skipToken=ASqvd5YCAAAABgAAQACAAAAAAAAAC2Nhcm9s",
		"pageIndex=2&skipToken=" + rawToken(cursorFormat, 0, 1, guid(6, 1), "\U0010FFFF"),
	} {
		f.Add(seed)
	}
	target := usersURL(true, cust1, ten1)
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.URL.RawQuery = raw
		req.Header.Set("Authorization", "Bearer "+tokAll)
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("query %q: got %d, want 200 or 400: %s", raw, rec.Code, rec.Body)
		}
	})
}
