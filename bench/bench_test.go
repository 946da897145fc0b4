package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serverBin is the secusers binary TestMain builds once for every run.
var serverBin string

// TestMain builds the server once, and, when the harness re-runs this
// binary as the floor, is the floor: os.Executable is the test binary.
func TestMain(m *testing.M) {
	if page := os.Getenv(floorEnv); page != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := runFloor(ctx, page, os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "secusers-bench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin, err = buildServer(context.Background(), dir, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runTiny runs the whole harness on SQLite with tiny sizes: a test that
// keeps it from rotting, not a measurement.
func runTiny(t *testing.T, dir, duration string, extra ...string) string {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{"--store", "sqlite", "--users", "2000", "--small-tenants", "3", "--duration", duration,
		"--clients", "4", "--page-size", "5", "--data-dir", dir, "--server-bin", serverBin}, extra...)
	if err := run(t.Context(), args, &out, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

func TestHarnessTiny(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := runTiny(t, dir, "300ms", "--soak", "1200ms")
	for _, want := range []string{"sqlite: dataset generated in", caseFirst, caseRare, caseMiddle, caseWalk, caseToken,
		"HTTP ÷ in-process", "page 100 ÷ page 1", "sqlite: asked ", "no failures", "RSS ",
		"floor: first page from memory", "× floor", "server peak RSS (VmHWM)", "token grants", "sqlite: server log: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if files, err := os.ReadDir(dir); err != nil || len(files) != 0 {
		t.Errorf("without --keep, got %d files left in the data directory (%v), want none", len(files), err)
	}
}

func TestHarnessKeep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runTiny(t, dir, "30ms", "--keep", "--soak", "0")
	if out := runTiny(t, dir, "30ms", "--keep", "--soak", "0"); !strings.Contains(out, "sqlite: dataset reused (--keep)") {
		t.Errorf("the second run with --keep did not reuse the dataset:\n%s", out)
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	c := &httpClient{base: "http://127.0.0.1:8080"}
	for _, tc := range []struct {
		body, want string
		wantErr    bool
	}{
		{`{"data":[],"metadata":{},"nextLink":"http://127.0.0.1:8080/x?pageIndex=2\u0026pageSize=5"}`, "http://127.0.0.1:8080/x?pageIndex=2&pageSize=5", false},
		{`{"data":[{"displayName":"nextLink"}],"metadata":{}}`, "", false},
		{`{"data":[], "nextLink" : "http://127.0.0.1:8080/y"}`, "http://127.0.0.1:8080/y", false},
		{`{"nextLink":"http://example.com/x"}`, "", true},
		{`{"nextLink":12}`, "", true},
	} {
		got, err := c.nextLink([]byte(tc.body))
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("nextLink(%s): got %q, %v; want %q, error %v", tc.body, got, err, tc.want, tc.wantErr)
		}
	}
}

// The soak's pace is the harmonic mean of the cases' peaks (a round-robin
// mix costs the sum of their times), and its memory verdict is read off
// RSS after the warm-up and at the end.
func TestSoakArithmetic(t *testing.T) {
	t.Parallel()
	res := &storeResult{http: map[string]loadResult{}}
	for _, name := range pageCases {
		res.http[name] = loadResult{samples: make([]sample, 100), elapsed: time.Second} // 100/s each
	}
	if got := mixedPeak(res); math.Abs(got-100) > 1e-9 {
		t.Errorf("mixed peak of four 100/s cases: got %v, want 100", got)
	}
	res.http[caseWalk] = loadResult{samples: make([]sample, 25), elapsed: time.Second}
	// 4 / (3/100 + 1/25) = 4 / 0.07
	if got, want := mixedPeak(res), 4/0.07; math.Abs(got-want) > 1e-9 {
		t.Errorf("mixed peak with one case at 25/s: got %v, want %v", got, want)
	}
	delete(res.http, caseRare)
	if got := mixedPeak(res); got != 0 {
		t.Errorf("mixed peak with a case missing: got %v, want 0", got)
	}
	for _, tc := range []struct {
		warm, end uint64
		flat      bool
	}{
		{100, 100, true}, {100, 110, true}, {100, 111, false}, {100, 80, true}, {0, 500, true},
	} {
		s := &soakResult{warmRSS: tc.warm, endRSS: tc.end}
		if s.flat() != tc.flat {
			t.Errorf("RSS %d → %d: flat %v, want %v (growth %v)", tc.warm, tc.end, s.flat(), tc.flat, s.growth())
		}
	}
}

func TestParseListening(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, want string
		ok         bool
	}{
		{"listening on http://127.0.0.1:43117", "http://127.0.0.1:43117", true},
		{"listening on http://127.0.0.1:43117/\r", "http://127.0.0.1:43117", true},
		{"listening on http://[::1]:8080", "http://[::1]:8080", true},
		{"listening on http://localhost:8080", "http://localhost:8080", true},
		{"operations (/metrics, /readyz, /healthz) on http://127.0.0.1:9090", "", false},
		{`{"level":"INFO","msg":"listening","url":"http://127.0.0.1:1"}`, "", false},
		{"listening on https://127.0.0.1:443", "", false},
		{"listening on http://127.0.0.1", "", false},
		{"listening on http://127.0.0.1:80/api", "", false},
		{"listening on ", "", false},
	} {
		got, ok := parseListening(tc.line)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseListening(%q): got %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	const status = "Name:\tsecusers\nVmPeak:\t 1300000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n" +
		"RssAnon:\t   30720 kB\nRssFile:\t   10240 kB\nRssShmem:\t       0 kB\nThreads:\t9\n"
	for _, tc := range []struct {
		name, text string
		want       procMem
		wantErr    bool
	}{
		{"a live process", status, procMem{peak: 50 << 20, rss: 40 << 20, anon: 30 << 20, file: 10 << 20}, false},
		{"an old kernel, no trailing newline", "VmRSS:\t1 kB\nVmHWM:\t2 kB", procMem{peak: 2 << 10, rss: 1 << 10}, false},
		{"an exited process", "Name:\tsecusers\nState:\tZ (zombie)\n", procMem{}, true},
		{"a unit other than kB", "VmHWM:\t2 MB\nVmRSS:\t1 MB\n", procMem{}, true},
		{"not a number", "VmHWM:\tmany kB\nVmRSS:\t1 kB\n", procMem{}, true},
	} {
		got, err := parseStatus(tc.text)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%s: got %+v, %v; want %+v, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	// Fields 14 and 15 (utime, stime) are 250 and 50 ticks.
	const rest = "S 1 2 3 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1234 1300000000 12800"
	for _, tc := range []struct {
		text    string
		want    time.Duration
		wantErr bool
	}{
		{"4242 (secusers) " + rest, 3 * time.Second, false},
		{"4242 (a (strange) name) " + rest, 3 * time.Second, false},
		{"4242 (secusers) S 1 2 3", 0, true},
		{"4242 secusers " + rest, 0, true},
		{"4242 (secusers) S 1 2 3 0 -1 4194560 100 0 0 0 x 50 0", 0, true},
	} {
		got, err := parseStat(tc.text)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("parseStat(%q): got %v, %v; want %v, error %v", tc.text, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestMetricValue(t *testing.T) {
	t.Parallel()
	const text = "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 17\n" +
		"go_memstats_heap_inuse_bytes 1.2345e+07\ngo_gc_duration_seconds{quantile=\"0\"} 1e-05\nlate_metric 3 1712345678000\n"
	for _, tc := range []struct {
		name string
		want float64
		ok   bool
	}{
		{"go_goroutines", 17, true},
		{"go_memstats_heap_inuse_bytes", 12345000, true},
		{"late_metric", 3, true},
		{"go_gc_duration_seconds", 0, false},
		{"go_memstats_heap_inuse", 0, false},
	} {
		got, ok := metricValue(text, tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("metricValue(%q): got %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRatioAndGoals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n, d float64
		want string
	}{
		{5750, 11500, "0.50×"}, {11500, 11500, "1.00×"}, {23000, 11500, "2.00×"}, {1, 3, "0.33×"},
		{100, 0, "–"}, {0, 100, "0.00×"}, {-1, 100, "–"},
	} {
		if got := ratio(tc.n, tc.d); got != tc.want {
			t.Errorf("ratio(%v, %v): got %q, want %q", tc.n, tc.d, got, tc.want)
		}
	}
	second := func(n int, p99 time.Duration) loadResult {
		s := make([]sample, n)
		for i := range s {
			s[i].took = p99
		}
		return loadResult{samples: s, elapsed: time.Second}
	}
	res := func(store string, page int, peak uint64) *storeResult {
		r := &storeResult{store: store, floor: second(1000, time.Millisecond), server: procMem{peak: peak}, http: map[string]loadResult{}}
		for _, name := range pageCases {
			r.http[name] = second(page, 2*time.Millisecond)
		}
		r.http[caseToken] = second(4000, time.Millisecond)
		return r
	}
	for _, tc := range []struct {
		r    *storeResult
		want map[string]string // goal → verdict
	}{
		{res("sqlite", 500, 64_000_000), map[string]string{caseFirst + " ÷ floor": "met", caseFirst + ", p99": "met", "token grants": "met", "server peak RSS (VmHWM)": "met"}},
		{res("sqlite", 499, 64_000_001), map[string]string{caseWalk + " ÷ floor": "NOT MET", "server peak RSS (VmHWM)": "NOT MET"}},
		{res("postgres", 400, 100_000_000), map[string]string{caseRare + " ÷ floor": "met", "server peak RSS (VmHWM)": "–", caseFirst + ", p99": ""}},
		{res("postgres", 399, 0), map[string]string{caseMiddle + " ÷ floor": "NOT MET"}},
	} {
		got := map[string]string{}
		for _, g := range goalsOf(tc.r) {
			got[g.what] = g.verdict
		}
		for what, want := range tc.want {
			if got[what] != want {
				t.Errorf("%s at %d/s, peak %d: goal %q is %q, want %q", tc.r.store, len(tc.r.http[caseFirst].samples), tc.r.server.peak, what, got[what], want)
			}
		}
	}
}

// The floor serves exactly the body it was given, encoded anew, and
// refuses a body its structs would not give back.
func TestFloorServesTheServersBody(t *testing.T) {
	t.Parallel()
	body := `{"data":[{"id":"u1","userPrincipalName":"a@b.c","mail":"a@b.c","displayName":"Ann & Bo <x>","firstName":"Ann",` +
		`"lastName":"Bo","employeeId":"","location":"","department":"Sales","mobile":"","jobTitle":"","status":5,"isTestUser":false,` +
		`"age":12,"startDate":0,"endDate":1700000000000,"officePhone":"","company":"","countryRegion":"Denmark"}],` +
		`"metadata":{"pageIndex":1,"pageSize":1,"totalCount":30},"nextLink":"http://127.0.0.1:1/x?pageIndex=2&pageSize=1"}` + "\n"
	page, err := decodeFloorPage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(floorHandler(page))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != body || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("the floor answered %s %q:\n%s\nwant the JSON body:\n%s", resp.Status, resp.Header.Get("Content-Type"), got, body)
	}
	for _, bad := range []string{
		strings.Replace(body, `"mail"`, `"email"`, 1),     // a field the floor lacks
		strings.Replace(body, `"company":"",`, ``, 1),     // a field the server left out
		strings.Replace(body, `"age":12`, `"age": 12`, 1), // an encoding the floor would not repeat
	} {
		if _, err := decodeFloorPage([]byte(bad)); err == nil {
			t.Errorf("decodeFloorPage accepted %s", bad)
		}
	}
}
