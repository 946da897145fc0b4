package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
	"github.com/secusers/secusers/internal/store/sqlite"
	"github.com/secusers/secusers/openapi"
)

// syncBuffer is a bytes.Buffer that the server's goroutines and the test
// can use at once.
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

// running is a server started in-process on 127.0.0.1:0.
type running struct {
	srv    *server.Server
	url    string
	logs   *syncBuffer
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan error // Serve's result
}

// start runs a server with extra routes and stops it when the test ends.
func start(t *testing.T, routes func(*http.ServeMux)) *running {
	t.Helper()
	return startWith(t, func(c *server.Config) { c.Routes = routes })
}

// openStore opens a new SQLite store that the test closes when it ends.
func openStore(t *testing.T) secusers.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// startWith runs a server on a new SQLite store, with the configuration
// that configure makes of the default, and stops it when the test ends.
func startWith(t *testing.T, configure func(*server.Config)) *running {
	t.Helper()
	rs := &running{logs: &syncBuffer{}, out: &syncBuffer{}, done: make(chan error, 1)}
	cfg := server.Config{
		Addr: "127.0.0.1:0", Out: rs.out,
		Logger:       slog.New(slog.NewJSONHandler(rs.logs, nil)),
		DrainTimeout: 5 * time.Second,
	}
	configure(&cfg)
	if cfg.Store == nil {
		cfg.Store = openStore(t)
	}
	rs.srv = server.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	rs.cancel = cancel
	if err := rs.srv.Listen(ctx); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	rs.url = rs.srv.URL()
	go func() { rs.done <- rs.srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-rs.done
	})
	return rs
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// errorBody is the spec's JSON error.
type errorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
			Date      string `json:"date"`
		} `json:"innerError"`
	} `json:"error"`
}

func decodeError(t *testing.T, resp *http.Response, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("got body %q, want the JSON error: %v", body, err)
	}
	if id := resp.Header.Get("request-id"); id == "" || e.Error.InnerError.RequestID != id {
		t.Errorf("got request-id header %q and body id %q, want the same non-empty id", id, e.Error.InnerError.RequestID)
	}
	return e
}

func TestAddrAndListeningLine(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	addr := rs.srv.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("got Addr %q, want 127.0.0.1 and the bound port", addr)
	}
	if rs.url != "http://"+addr || rs.srv.Issuer() != rs.url {
		t.Errorf("got URL %q and issuer %q, want http://%s for both", rs.url, rs.srv.Issuer(), addr)
	}
	waitFor(t, func() bool { return rs.out.String() == "listening on http://"+addr+"\n" }, "the listening line on Out")
	if !strings.Contains(rs.logs.String(), `"msg":"listening","addr":"`+addr+`"`) {
		t.Errorf("got logs %s, want a listening line with the address", rs.logs)
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestHealthAndOpenAPI(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	resp, body := get(t, rs.url+"/healthz")
	if resp.StatusCode != http.StatusOK || string(body) != `{"status":"ok"}`+"\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("healthz: got %d %q (%s), want 200 {\"status\":\"ok\"} as JSON", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	resp, body = get(t, rs.url+"/openapi.yaml")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, openapi.Document) || resp.Header.Get("Content-Type") != "application/yaml" {
		t.Errorf("openapi.yaml: got %d (%s), %d bytes; want 200 application/yaml with the document", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	resp, body = get(t, rs.url+"/.well-known/openid-configuration")
	var disco struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &disco); err != nil || resp.StatusCode != http.StatusOK || disco.Issuer != rs.url {
		t.Errorf("discovery: got %d %s, want 200 with issuer %s", resp.StatusCode, body, rs.url)
	}
	resp, _ = get(t, rs.url+"/partner/external/v3/um/customers/de000000-0000-4000-8000-000000000002/tenants/de000000-0000-4000-8000-000000000003/overview/security/users/batch")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without a token: got %d, want 401", resp.StatusCode)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	resp, body := get(t, rs.url+"/no/such/thing")
	e := decodeError(t, resp, body)
	if resp.StatusCode != http.StatusNotFound || e.Error.Code != "NotFound" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("got %d %s, want 404 NotFound JSON", resp.StatusCode, body)
	}
	resp, err := http.Post(rs.url+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Errorf("POST /healthz: got %d Allow %q, want 405 allowing GET", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, body = get(t, rs.url+"/connect/token")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /connect/token: got %d %s, want 405", resp.StatusCode, body)
	}
}

func TestPanicIs500WithoutLeaking(t *testing.T) {
	t.Parallel()
	rs := start(t, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("db password is hunter2") })
	})
	resp, body := get(t, rs.url+"/panic")
	e := decodeError(t, resp, body)
	if resp.StatusCode != http.StatusInternalServerError || e.Error.Code != "InternalServerError" {
		t.Errorf("got %d %s, want 500 InternalServerError", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "hunter2") {
		t.Errorf("the response leaks the panic: %s", body)
	}
	id := resp.Header.Get("request-id")
	waitFor(t, func() bool {
		logs := rs.logs.String()
		return strings.Contains(logs, "hunter2") && strings.Contains(logs, `"status":500`) && strings.Contains(logs, id)
	}, "the panic and the 500 in the log with the request id")
	// The server is still serving.
	if resp, _ := get(t, rs.url+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("after a panic, healthz got %d, want 200", resp.StatusCode)
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	rs := start(t, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
			close(started)
			time.Sleep(300 * time.Millisecond)
			if r.Context().Err() != nil {
				http.Error(w, "cancelled", http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "done")
		})
	})
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(rs.url + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(body), err}
	}()
	<-started
	rs.cancel()
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Errorf("in-flight request: got %d %q %v, want 200 \"done\"", r.status, r.body, r.err)
	}
	select {
	case err := <-rs.done:
		rs.done <- err // for the cleanup
		if err != nil {
			t.Errorf("Serve: got %v, want nil after a requested shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
	if _, err := http.Get(rs.url + "/healthz"); err == nil {
		t.Errorf("after shutdown, a new request succeeded; want a refused connection")
	} else if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "refused") {
		t.Logf("after shutdown: %v", err)
	}
}
