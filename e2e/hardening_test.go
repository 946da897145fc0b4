package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestVersionOfTheBinary builds the binary with VCS stamping (the
// harness's build follows GOFLAGS, which may turn it off) and checks that
// `secusers version` reports what the toolchain recorded, as `go version
// -m` reads it from the file.
func TestVersionOfTheBinary(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "secusers")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "github.com/secusers/secusers/cmd/secusers").CombinedOutput(); err != nil {
		t.Skipf("cannot build with VCS information here (no git checkout?): %v\n%s", err, out)
	}
	recorded := buildSettings(t, bin)
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(recorded["vcs.revision"]) {
		t.Fatalf("go version -m: got vcs.revision %q, want a commit", recorded["vcs.revision"])
	}
	want := version{Version: recorded["mod"], Commit: recorded["vcs.revision"], BuildTime: recorded["vcs.time"], GoVersion: recorded["go"]}
	if recorded["vcs.modified"] == "true" {
		want.Commit += "-dirty"
	}

	out, err := exec.Command(bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("version -o json: %v", err)
	}
	var got version
	if err := json.Unmarshal(out, &got); err != nil || got != want {
		t.Errorf("version -o json: got %s (%v), want %+v", out, err, want)
	}
	line := "secusers " + want.Version + ", commit " + want.Commit + ", built " + want.BuildTime + ", " + want.GoVersion + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if out, err := exec.Command(bin, args...).Output(); err != nil || string(out) != line {
			t.Errorf("%v: got %q (%v), want %q", args, out, err, line)
		}
	}
}

// version is the JSON of `secusers version -o json`.
type version struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"buildTime"`
	GoVersion string `json:"goVersion"`
}

// buildSettings reads the build information of the binary bin with `go
// version -m`: "go" (the toolchain), "mod" (the main module's version),
// and the build settings (vcs.revision, …).
func buildSettings(t *testing.T, bin string) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	settings := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for first := true; sc.Scan(); first = false {
		fields := strings.Fields(sc.Text())
		switch {
		case first && len(fields) == 2: // "PATH: go1.26.8"
			settings["go"] = fields[1]
		case len(fields) >= 3 && fields[0] == "mod":
			settings["mod"] = fields[2]
		case len(fields) == 2 && fields[0] == "build":
			if k, v, ok := strings.Cut(fields[1], "="); ok {
				settings[k] = v
			}
		}
	}
	return settings
}

// TestServerAnswersOnTheWire runs the binary with an operations address
// and a trusted proxy, and checks what the server shapes itself (JSON
// errors, no redirects), what only net/http writes (documented in the
// OpenAPI document), and which address serves what.
func TestServerAnswersOnTheWire(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	s := e.serve("--ops-addr", "127.0.0.1:0", "--trusted-proxy", "127.0.0.0/8", "--sync-interval", "0")
	// The operations line follows the listening line the harness waited for.
	opsLine := regexp.MustCompile(`operations \(/metrics, /readyz, /healthz\) on (http://\S+)`)
	waitUntil(t, func() bool { return opsLine.MatchString(s.out.String()) }, "the operations address on stdout")
	ops := opsLine.FindStringSubmatch(s.out.String())[1]
	opsAttr := `"opsAddr":"` + strings.TrimPrefix(ops, "http://") + `"`
	waitUntil(t, func() bool { return strings.Contains(s.out.String(), opsAttr) }, "the operations address in the listening log line")

	// Documented responses, checked against the contract.
	public, opsClient := newClient(t, s), newClient(t, &server{base: ops})
	for _, path := range []string{"/healthz", "/openapi.yaml"} {
		if resp, body := public.get("", path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d %s, want 200", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/metrics", "/readyz", "/healthz"} {
		if resp, body := opsClient.get("", path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s%s: got %d %s, want 200", ops, path, resp.StatusCode, truncate(body))
		}
	}
	// net/http's 431 is in the document too, although it has no request-id.
	req, _ := http.NewRequest(http.MethodGet, s.base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 100 KiB header: got %d, want 431", resp.StatusCode)
	}
	public.contract.check(t, req, resp, body)

	// What no operation documents: JSON errors with a request-id, never a
	// redirect nor text.
	for _, tc := range []struct {
		addr, request string
		status        int
		allow         string
	}{
		{s.base, "GET //healthz HTTP/1.1", http.StatusNotFound, ""},
		{s.base, "GET /.well-known/../healthz HTTP/1.1", http.StatusNotFound, ""},
		{s.base, "GET /metrics HTTP/1.1", http.StatusNotFound, ""},
		{s.base, "GET /readyz HTTP/1.1", http.StatusNotFound, ""},
		{s.base, "DELETE /healthz HTTP/1.1", http.StatusMethodNotAllowed, "GET, HEAD"},
		{s.base, "GET /connect/token HTTP/1.1", http.StatusMethodNotAllowed, "POST"},
		{ops, "POST /metrics HTTP/1.1", http.StatusMethodNotAllowed, "GET, HEAD"},
		{ops, "GET /connect/token HTTP/1.1", http.StatusNotFound, ""},
	} {
		resp, body := rawRoundTrip(t, strings.TrimPrefix(tc.addr, "http://"), tc.request+"\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
		var e struct {
			Error struct {
				Code       string `json:"code"`
				InnerError struct {
					RequestID string `json:"request-id"`
				} `json:"innerError"`
			} `json:"error"`
		}
		if resp.StatusCode != tc.status || json.Unmarshal(body, &e) != nil || e.Error.Code == "" ||
			e.Error.InnerError.RequestID == "" || e.Error.InnerError.RequestID != resp.Header.Get("request-id") {
			t.Errorf("%s on %s: got %d %q (request-id %q), want %d with the JSON error and its request-id",
				tc.request, tc.addr, resp.StatusCode, body, resp.Header.Get("request-id"), tc.status)
		}
		if got := resp.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s on %s: got Allow %q, want %q", tc.request, tc.addr, got, tc.allow)
		}
	}

	// From a trusted proxy (this test, on loopback), the access log names
	// the forwarded client.
	req, _ = http.NewRequest(http.MethodGet, s.base+"/healthz", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	public.do(req)
	waitUntil(t, func() bool { return strings.Contains(s.out.String(), `"remoteIp":"203.0.113.7"`) }, "the forwarded client in the access log")
}

// rawRoundTrip sends request, as written, to addr on loopback and reads one
// response.
func rawRoundTrip(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // against a hang only
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(request, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%q: %v", request, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// waitUntil polls cond until it holds, and fails the test after 10 s.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
