package fakegraph

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// discard is a ResponseWriter that keeps only the start of the body, where
// @odata.nextLink is: serving is measured, not buffering.
type discard struct {
	header http.Header
	status int
	head   []byte
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(p []byte) (int, error) {
	if n := 4096 - len(d.head); n > 0 {
		d.head = append(d.head, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// nextOf cuts @odata.nextLink out of the start of a page.
func nextOf(head []byte) string {
	const key = `"@odata.nextLink":"`
	i := bytes.Index(head, []byte(key))
	if i < 0 {
		return ""
	}
	rest := head[i+len(key):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

// heapBytes is the heap's current size, cheap enough to read every page.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// serveAll serves every page of the users read as the sync asks for it and
// returns the pages and the peak heap seen between (some) pages.
func serveAll(tb testing.TB, s *Server, tok string) (pages int, peak uint64) {
	u := "http://graph.fake" + readPaths[ReadUsers] + "&$top=500"
	d := &discard{header: http.Header{}, head: make([]byte, 0, 4096)}
	for u != "" {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		clear(d.header)
		d.head = d.head[:0]
		s.ServeHTTP(d, req)
		if d.status != http.StatusOK {
			tb.Fatalf("%s: %d %s", u, d.status, d.head)
		}
		pages++
		if pages%20 == 1 { // reading the heap's size is not free
			peak = max(peak, heapBytes())
		}
		u = nextOf(d.head)
	}
	return pages, peak
}

// BenchmarkServeUsers serves every users page of a 100,000-user and of a
// 1,000,000-user tenant, as the sync requests them (its $select, 500 a page:
// Graph's most with signInActivity). bytes/op and allocs/op are per full
// walk; peak-heap-MB, the same at both sizes, shows the tenant is never
// held in memory.
func BenchmarkServeUsers(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run("users="+strconv.Itoa(n), func(b *testing.B) {
			s := NewServer(Generate(1, n, time.Now(), GenerateOptions{}))
			tok, err := s.issueAccessToken(testClient)
			if err != nil {
				b.Fatal(err)
			}
			var peak uint64
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				pages, p := serveAll(b, s, tok)
				if pages != n/500 {
					b.Fatalf("got %d pages, want %d", pages, n/500)
				}
				peak = max(peak, p)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(b.N)*float64(n)/time.Since(start).Seconds(), "users/s")
		})
	}
}

// BenchmarkServeUsersLoopback is the same walk over a real loopback
// connection with net/http's client: what the sync's benchmark compares its
// own time to.
func BenchmarkServeUsersLoopback(b *testing.B) {
	s := NewServer(Generate(1, 100_000, time.Now(), GenerateOptions{}))
	s.RegisterSecret(testClient, testSecret)
	hs := httptest.NewServer(s)
	defer hs.Close()
	tok, err := s.issueAccessToken(testClient)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		for u := hs.URL + readPaths[ReadUsers] + "&$top=500"; u != ""; {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			u = nextOf(buf.Bytes()[:min(4096, buf.Len())])
		}
	}
	b.ReportMetric(float64(b.N)*100_000/time.Since(start).Seconds(), "users/s")
}

// TestServingMemoryIsBounded walks every page of a 50,000-user tenant:
// collected into a slice its users take some 34 MB; served, the heap stays
// near a few pages' size.
func TestServingMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 50,000 users")
	}
	s := NewServer(Generate(1, 50_000, testNow, GenerateOptions{}))
	tok, err := s.issueAccessToken(testClient)
	if err != nil {
		t.Fatal(err)
	}
	if _, peak := serveAll(t, s, tok); peak > 16<<20 {
		t.Errorf("peak heap %d MiB serving 50,000 users, want < 16 MiB", peak>>20)
	}
}
