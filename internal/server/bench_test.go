package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// BenchmarkSecurityUsersPage measures one page (pageSize 100) of a tenant of
// 100,000 users through the whole handler chain (request id, access log,
// token verification, access checks, store, JSON), with a real token from
// the token endpoint: first and last page, with and without a filter.
func BenchmarkSecurityUsersPage(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	demoData, err := demo.Ensure(ctx, store, time.Now(), demo.Config{Users: 100_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	s := New(Config{Store: store, Issuer: "http://bench.example", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	s.issuer = s.cfg.Issuer // what Listen would set
	h, _, err := s.handlers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	token := benchToken(b, h, demoData)
	base := "/partner/external/v3/um/customers/" + demo.CustomerID + "/tenants/" + demo.TenantID + "/overview/security/users/batch?pageSize=100"
	for _, filter := range []struct{ name, query string }{{"all", ""}, {"highrisk", "&status=HighRisk"}} {
		total := benchPage(b, h, token, base+filter.query).Metadata.TotalCount
		last := (total + 99) / 100
		for _, pg := range []struct {
			name  string
			index int64
		}{{"first", 1}, {"last", last}} {
			target := fmt.Sprintf("%s%s&pageIndex=%d", base, filter.query, pg.index)
			b.Run(filter.name+"/"+pg.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					benchPage(b, h, token, target)
				}
				b.ReportMetric(float64(total), "matching")
			})
		}
	}
}

type benchBody struct {
	Data     []json.RawMessage `json:"data"`
	Metadata struct {
		TotalCount int64 `json:"totalCount"`
	} `json:"metadata"`
}

func benchPage(b *testing.B, h http.Handler, token, target string) benchBody {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body benchBody
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil || len(body.Data) == 0 {
		b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body.String())
	}
	return body
}

func benchToken(b *testing.B, h http.Handler, d demo.Result) string {
	b.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {d.ClientID}, "client_secret": {d.ClientSecret},
		"scope": {secusers.PermissionReadUsers}}
	req := httptest.NewRequest(http.MethodPost, "/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tok) != nil {
		b.Fatalf("token: %d %s", rec.Code, rec.Body.String())
	}
	return tok.AccessToken
}
