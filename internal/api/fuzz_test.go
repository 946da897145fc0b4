package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
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

// FuzzBearerToken feeds any Authorization header value to the bearer-token
// parser: it returns a b64token or an Unauthenticated error, never panics,
// and never hands the verifier anything else.
func FuzzBearerToken(f *testing.F) {
	for _, seed := range []string{
		"", "Bearer", "Bearer ", "bearer abc", "BEARER  a.b.c  ", "Basic dXNlcjpwYXNz", "Bearer a b",
		"Bearer ====", "Bearer abc==", "Bearer a=b", "Bearer \x00", "Bearer é", "Bearer\tabc",
		"Bearer " + strings.Repeat("a", maxTokenLength+1),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h := http.Header{}
		h.Set("Authorization", value)
		token, err := bearerToken(h)
		if err != nil {
			if !secusers.IsKind(err, secusers.Unauthenticated) {
				t.Fatalf("%q: got error %v of kind %v, want Unauthenticated", value, err, secusers.KindOf(err))
			}
			return
		}
		if !isB64Token(token) || len(token) > maxTokenLength || !strings.Contains(value, token) {
			t.Fatalf("%q: got token %q, which is not a b64token of the header", value, token)
		}
	})
}
