package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secusers/secusers/internal/cli"
)

// result is what one run of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// noEnv is an environment without SECUSERS_DB, so that the tests never
// touch a database named by the machine's environment.
func noEnv(string) string { return "" }

// run runs the command in-process with stdin and returns what it did.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, noEnv)
	return result{code, out.String(), errOut.String()}
}

// runWithEnv runs the command with the environment getenv and no stdin.
func runWithEnv(getenv func(string) string, stdout, stderr io.Writer, args ...string) int {
	return cli.Run(context.Background(), args, strings.NewReader(""), stdout, stderr, getenv)
}

// newDB returns a --db flag naming a new database file.
func newDB(t *testing.T) []string {
	t.Helper()
	return []string{"--db", filepath.Join(t.TempDir(), "cli.db")}
}

// ok runs a command that must succeed and decodes its one JSON object into v.
func ok(t *testing.T, db []string, v any, args ...string) {
	t.Helper()
	r := run(t, "", append(append(args, db...), "-o", "json")...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%v: got exit %d, stderr %q; want success", args, r.code, r.stderr)
	}
	decodeOne(t, r.stdout, v)
}

// decodeOne decodes text, which must be exactly one JSON object on one line.
func decodeOne(t *testing.T, text string, v any) {
	t.Helper()
	if strings.Count(text, "\n") != 1 || !strings.HasSuffix(text, "\n") {
		t.Fatalf("got output %q, want one line of JSON", text)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %q: %v", text, err)
	}
}

// createdID runs a create command and returns the id it printed.
func createdID(t *testing.T, db []string, args ...string) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	ok(t, db, &out, args...)
	if out.ID == "" {
		t.Fatalf("%v: printed no id", args)
	}
	return out.ID
}

// fails runs a command that must fail with one line on stderr containing want.
func fails(t *testing.T, stdin string, want string, args ...string) {
	t.Helper()
	r := run(t, stdin, args...)
	if r.code == 0 {
		t.Fatalf("%v: got exit 0, want failure", args)
	}
	if !strings.HasPrefix(r.stderr, "secusers: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("%v: got stderr %q, want one line \"secusers: …\"", args, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("%v: got stderr %q, want it to contain %q", args, r.stderr, want)
	}
	if r.stdout != "" {
		t.Errorf("%v: got stdout %q, want none", args, r.stdout)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
