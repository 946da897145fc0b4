package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestServeLogEnvironment refuses a bad SECUSERS_LOG_FORMAT or
// SECUSERS_LOG_LEVEL, naming the variable, as a bad flag is refused.
func TestServeLogEnvironment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, want string }{
		{"SECUSERS_LOG_FORMAT", "yaml", `SECUSERS_LOG_FORMAT (the default of --log-format) must be auto, text or json, got "yaml"`},
		{"SECUSERS_LOG_LEVEL", "trace", `SECUSERS_LOG_LEVEL (the default of --log-level) must be debug, info, warn or error, got "trace"`},
	} {
		getenv := func(k string) string {
			if k == tc.name {
				return tc.value
			}
			return ""
		}
		var out, errOut bytes.Buffer
		code := runWithEnv(getenv, &out, &errOut, append([]string{"serve", "--addr", "127.0.0.1:0"}, newDB(t)...)...)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%s=%s: got exit %d, stderr %q; want a failure saying %q", tc.name, tc.value, code, errOut.String(), tc.want)
		}
	}
}

// TestServeLogFlags runs serve with each format and level and reads what it
// logged.
func TestServeLogFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of stderr
		not  []string
	}{
		// stderr is a buffer, not a terminal: JSON.
		{"auto", nil, []string{`"level":"INFO","msg":"listening"`}, []string{"level=INFO"}},
		{"text", []string{"--log-format", "text"}, []string{"level=INFO msg=listening"}, []string{`"msg"`}},
		{"warn", []string{"--log-level", "warn"}, nil, []string{"listening", `"level":"INFO"`}},
		// A 404's "request failed" is logged at debug.
		{"debug", []string{"--log-level", "DEBUG"}, []string{`"level":"DEBUG","msg":"request failed"`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serve(t, newDB(t), append(tc.args, "--sync-interval", "0")...)
			resp, err := http.Get(s.base + "/no/such/path")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s.cancel()
			if code := <-s.done; code != 0 {
				t.Fatalf("serve: exit %d, stderr %s", code, s.stderr)
			}
			s.done <- 0 // for the cleanup
			logs := s.stderr.String()
			for _, w := range tc.want {
				if !strings.Contains(logs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, logs)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(logs, n) {
					t.Errorf("stderr has %q:\n%s", n, logs)
				}
			}
		})
	}
}

// TestServeOpsAddr serves /metrics and /readyz on --ops-addr only, and
// prints both addresses.
func TestServeOpsAddr(t *testing.T) {
	t.Parallel()
	s := serve(t, newDB(t), "--ops-addr", "127.0.0.1:0", "--sync-interval", "0")
	var ops string
	for _, line := range strings.Split(s.stdout.String(), "\n") {
		if m := regexp.MustCompile(`^operations \(/metrics, /readyz, /healthz\) on (http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(line); m != nil {
			ops = m[1]
		}
	}
	if ops == "" || ops == s.base {
		t.Fatalf("got stdout %q, want the operations address on a line of its own", s.stdout)
	}
	for _, tc := range []struct {
		url  string
		want int
	}{
		{s.base + "/metrics", http.StatusNotFound},
		{s.base + "/readyz", http.StatusNotFound},
		{s.base + "/healthz", http.StatusOK},
		{ops + "/metrics", http.StatusOK},
		{ops + "/readyz", http.StatusOK},
		{ops + "/healthz", http.StatusOK},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: got %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
	}
	if !strings.Contains(s.stderr.String(), `"opsAddr":"`+strings.TrimPrefix(ops, "http://")+`"`) {
		t.Errorf("the listening log line lacks the operations address:\n%s", s.stderr)
	}
}

// TestServeTrustedProxy shows --trusted-proxy reaching the server: from a
// trusted peer (this test, on loopback), the access log names the client
// that X-Forwarded-For gives; without the flag, the peer.
func TestServeTrustedProxy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"trusted", []string{"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1"}, "203.0.113.7"},
		{"not trusted", nil, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serve(t, newDB(t), append(tc.args, "--sync-interval", "0")...)
			req, _ := http.NewRequest(http.MethodPost, s.base+"/connect/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			s.cancel()
			<-s.done
			s.done <- 0 // for the cleanup
			for line := range strings.SplitSeq(s.stderr.String(), "\n") {
				var l struct{ Msg, Path, RemoteIP string }
				if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "request" && l.Path == "/connect/token" {
					if l.RemoteIP != tc.want {
						t.Errorf("got remoteIp %q in the access log, want %q", l.RemoteIP, tc.want)
					}
					return
				}
			}
			t.Errorf("no access log line of the token request:\n%s", s.stderr)
		})
	}
}
