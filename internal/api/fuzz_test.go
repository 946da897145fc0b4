package api

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"slices"
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

// FuzzChangeToken feeds any string to the change-token decoder: it never
// panics, and what it accepts is exactly what the encoder writes for the
// position it read, in the one form the encoder writes (so a token cannot
// be spelled two ways), with a check that holds for one scope only.
func FuzzChangeToken(f *testing.F) {
	for _, seed := range []string{
		"", "EAUClGRoUA", "EAX__________386bThE", encodeChangeToken("tenant:a/b", secusers.ChangeCursor{Seq: 1, Ordinal: 2}),
		encodeChangeToken("all:;", secusers.ChangeCursor{Seq: 1 << 40, Ordinal: secusers.EndOfSeq}),
		"ASqvd5YCAAAABgAAQACAAAAAAAAAC2Nhcm9s", "EAUClGRoUA==", "EAUC\nlGRoUA", "EIUAB5RkaFA",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		tok, ok := decodeChangeToken(token)
		if !ok {
			return
		}
		if tok.after.Seq < 0 || tok.after.Ordinal < 0 {
			t.Fatalf("%q: decoded the negative position %+v", token, tok.after)
		}
		b := binary.BigEndian.AppendUint32(slices.Clone(tok.body), tok.check)
		if again := base64.RawURLEncoding.EncodeToString(b); again != token {
			t.Fatalf("%q: decoded, but its bytes encode as %q", token, again)
		}
		for _, scope := range []string{"tenant:a/b", "all:;"} {
			if tok.validFor(scope) && encodeChangeToken(scope, tok.after) != token {
				t.Fatalf("%q: valid for %q, but the encoder writes %q for its position", token, scope, encodeChangeToken(scope, tok.after))
			}
		}
	})
}

// FuzzOverviewQuery feeds any raw query string to the history's and the
// changes' parsers: each returns an Invalid error or a query within the
// spec's bounds, never panics.
func FuzzOverviewQuery(f *testing.F) {
	for _, seed := range []string{
		"", "from=2026-11-01&to=2026-11-29", "from=2026-02-30", "to=0000-01-01", "from=9999-12-31", "FROM=+2026-11-01+",
		"from=2025-10-25&to=2026-11-29", "since=2026-11-29T06:00:00Z&pageSize=1000", "since=2026-11-29T07:00:00+01:00",
		"since=2026-11-29T07:00:00%2B01:00", "customerId=" + cust1 + "," + strings.ToUpper(cust2) + "&customerId=" + cust1,
		"groupId=,", "skipToken=EAUClGRoUA&deltaToken=EAUClGRoUA", "deltaToken=EAX__________386bThE", "a;b", "x=%zz",
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, raw string, crossTenant bool) {
		h, err := parseHistoryQuery(raw, testNow)
		if err != nil {
			if !secusers.IsKind(err, secusers.Invalid) {
				t.Fatalf("history %q: got %v of kind %v, want Invalid", raw, err, secusers.KindOf(err))
			}
		} else if h.From.After(h.To) || h.days() > maxHistoryDays || !h.From.Equal(secusers.DayOf(h.From)) || !h.To.Equal(secusers.DayOf(h.To)) {
			t.Fatalf("history %q: got the days %v to %v", raw, h.From, h.To)
		}
		c, err := parseChangesQuery(raw, testNow, crossTenant)
		if err != nil {
			if !secusers.IsKind(err, secusers.Invalid) {
				t.Fatalf("changes %q: got %v of kind %v, want Invalid", raw, err, secusers.KindOf(err))
			}
			return
		}
		if c.PageSize < 1 || c.PageSize > maxPageSize {
			t.Fatalf("changes %q: pageSize %d", raw, c.PageSize)
		}
		for _, ids := range [][]string{c.CustomerIDs, c.GroupIDs} {
			if !crossTenant && ids != nil {
				t.Fatalf("changes %q of a tenant: got the filter %v", raw, ids)
			}
			for i, id := range ids {
				if canon, ok := secusers.ParseGUID(id); !ok || canon != id || i > 0 && ids[i-1] >= id {
					t.Fatalf("changes %q: the filter %v is not canonical GUIDs, sorted, each once", raw, ids)
				}
			}
		}
	})
}

// FuzzOverviewHandler sends any raw query string to the history and the
// changes endpoints through the whole handler and the real store: the
// answer is 200 or 400, never a fault.
func FuzzOverviewHandler(f *testing.F) {
	fx := newFixture(f)
	for _, seed := range []string{
		"", "from=2026-11-01&to=2026-11-29", "from=0001-01-01&to=0001-12-31", "since=0001-01-01T00:00:00Z",
		"since=9999-12-31T23:59:59.999999999Z&pageSize=1", "customerId=" + cust1 + "&groupId=" + group1,
		"deltaToken=EAX__________386bThE", "skipToken=" + encodeChangeToken("all:;", secusers.ChangeCursor{Seq: 1 << 62}),
	} {
		f.Add(seed)
	}
	targets := []string{historyURL(true, cust1, ten1), tenantChangesURL(true, cust1, ten1), changesURL(false)}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, target := range targets {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.URL.RawQuery = raw
			req.Header.Set("Authorization", "Bearer "+tokAll)
			rec := httptest.NewRecorder()
			fx.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Fatalf("%s?%s: got %d, want 200 or 400: %s", target, raw, rec.Code, rec.Body)
			}
		}
	})
}
