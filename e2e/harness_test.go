// Package e2e tests the real secusers binary from the outside: it builds it,
// drives its CLI, starts `secusers serve`, and talks HTTP to it as a partner
// would, checking every response against the OpenAPI document.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/secusers/secusers/openapi"
)

// binary is the path of the secusers binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secusers-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "secusers")
	build := exec.Command("go", "build", "-o", binary, "github.com/secusers/secusers/cmd/secusers")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binary:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one store the binary runs against, with helpers to drive the CLI.
type env struct {
	t  *testing.T
	db string
	// vars are environment variables every command of the env gets, beyond
	// the test process's own (which never name a database).
	vars []string
}

// environ is the environment of the env's commands.
func (e *env) environ() []string {
	return append(append(os.Environ(), "SECUSERS_DB="), e.vars...)
}

func newSQLiteEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, db: filepath.Join(t.TempDir(), "secusers.db")}
}

// run runs the CLI with --db and returns its stdout, stderr and exit code.
func (e *env) run(stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	cmd := exec.Command(binary, append(args, "--db", e.db)...)
	cmd.Env = e.environ()
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running %v: %v", args, err)
	}
	return out.String(), errb.String(), 0
}

// json runs a command with -o json, requires success, and decodes its one
// JSON object.
func (e *env) json(args ...string) map[string]any {
	e.t.Helper()
	stdout, stderr, code := e.run(nil, append(args, "-o", "json")...)
	if code != 0 {
		e.t.Fatalf("secusers %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(stdout), &obj); err != nil {
		e.t.Fatalf("secusers %s: stdout %q is not one JSON object: %v", strings.Join(args, " "), stdout, err)
	}
	return obj
}

// id runs a create command and returns the field of its JSON output.
func (e *env) id(field string, args ...string) string {
	e.t.Helper()
	v, ok := e.json(args...)[field].(string)
	if !ok || v == "" {
		e.t.Fatalf("secusers %s: no %q in the output", strings.Join(args, " "), field)
	}
	return v
}

// fail runs a command that must fail, and returns its one-line stderr.
func (e *env) fail(stdin io.Reader, args ...string) string {
	e.t.Helper()
	stdout, stderr, code := e.run(stdin, args...)
	if code == 0 {
		e.t.Fatalf("secusers %s: exit 0 (stdout %q), want failure", strings.Join(args, " "), stdout)
	}
	if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n") + 1; lines != 1 || strings.TrimSpace(stderr) == "" {
		e.t.Errorf("secusers %s: stderr %q, want one line", strings.Join(args, " "), stderr)
	}
	return stderr
}

// server is a running `secusers serve`.
type server struct {
	base string
	cmd  *exec.Cmd
	done chan error
	out  *syncBuffer // everything the server wrote (its log lines)
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// serve starts `secusers serve` on a free port and waits until it answers.
// The server is stopped with SIGTERM when the test ends, and must exit 0.
func (e *env) serve(extra ...string) *server {
	e.t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", e.db}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = e.environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1), out: &syncBuffer{}}
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.out.Write(append(sc.Bytes(), '\n'))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.base = <-found:
	case err := <-s.done:
		e.t.Fatalf("serve exited before listening: %v\n%s", err, s.out.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		e.t.Fatalf("serve did not print its address within 60s\n%s", s.out.String())
	}
	e.t.Cleanup(func() { s.stop(e.t) })
	return s
}

// stop sends SIGTERM and requires a clean exit; it is idempotent.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want 0\n%s", err, s.out.String())
		}
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("serve did not exit within 30s of SIGTERM")
	}
}

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

// contract checks responses against the OpenAPI document.
type contract struct {
	router routers.Router
}

func newContract(t *testing.T, base string) *contract {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{router: router}
}

// check validates one response (status, headers, body) against the
// document. A response to a path the document does not describe is an error.
func (c *contract) check(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if err := c.validate(req, resp, body); err != nil {
		t.Errorf("%s %s: response %d does not conform to the OpenAPI document: %v\nbody: %s", req.Method, req.URL, resp.StatusCode, err, truncate(body))
	}
}

func (c *contract) validate(req *http.Request, resp *http.Response, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no route: %w", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// client is a partner's HTTP client whose every response is checked against
// the contract and must carry a request-id.
type client struct {
	t        *testing.T
	base     string
	contract *contract
	http     *http.Client
}

func newClient(t *testing.T, s *server) *client {
	return &client{t: t, base: s.base, contract: newContract(t, s.base), http: &http.Client{Timeout: 30 * time.Second}}
}

// do sends the request and returns the response and its body.
func (c *client) do(req *http.Request) (*http.Response, []byte) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	if resp.Header.Get("request-id") == "" {
		c.t.Errorf("%s %s: no request-id header", req.Method, req.URL)
	}
	c.contract.check(c.t, req, resp, body)
	return resp, body
}

// token gets an access token with client_secret_post.
func (c *client) token(clientID, secret string) string {
	c.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	req, _ := http.NewRequest(http.MethodPost, c.base+"/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := c.do(req)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("token for %s: %d %s", clientID, resp.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		c.t.Fatalf("token response %s: %v", body, err)
	}
	return tok.AccessToken
}

// get sends GET url (absolute, or a path on the server) with the token.
func (c *client) get(token, target string) (*http.Response, []byte) {
	c.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = c.base + target
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.do(req)
}

// page is the endpoint's 200 body.
type page struct {
	Data     []map[string]any `json:"data"`
	Metadata struct {
		PageIndex  int   `json:"pageIndex"`
		PageSize   int   `json:"pageSize"`
		TotalCount int64 `json:"totalCount"`
	} `json:"metadata"`
	NextLink string `json:"nextLink"`
}

// usersPath is the endpoint's public path for a customer's tenant.
func usersPath(customerID, tenantID string) string {
	return "/partner/external/v3/um/customers/" + customerID + "/tenants/" + tenantID + "/overview/security/users/batch"
}
