package main

import (
	"bytes"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// runTiny runs the whole harness on SQLite with tiny sizes: a test that
// keeps it from rotting, not a measurement.
func runTiny(t *testing.T, dir, duration string, extra ...string) string {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{"--store", "sqlite", "--users", "2000", "--small-tenants", "3", "--duration", duration,
		"--clients", "4", "--page-size", "5", "--data-dir", dir}, extra...)
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
		"HTTP ÷ in-process", "page 100 ÷ page 1", "sqlite: asked ", "no failures", "RSS "} {
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
