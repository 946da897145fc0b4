package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
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
	out := runTiny(t, dir, "300ms")
	for _, want := range []string{"sqlite: dataset generated in", caseFirst, caseRare, caseMiddle, caseWalk, caseToken,
		"HTTP ÷ in-process", "page 100 ÷ page 1"} {
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
	runTiny(t, dir, "30ms", "--keep")
	if out := runTiny(t, dir, "30ms", "--keep"); !strings.Contains(out, "sqlite: dataset reused (--keep)") {
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
