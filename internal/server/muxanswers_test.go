package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawRequest sends the bytes of a request over a new TCP connection to
// addr, a loopback address, and reads one response: what a client that
// net/http would not let us write sends.
func rawRequest(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // the test's own bound, against a hang
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(request, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%q: reading the response: %v", request, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%q: reading the body: %v", request, err)
	}
	return resp, body
}

// TestMuxAnswersAreJSON sends the requests that ServeMux, or net/http
// before it, answers by itself. Every answer the server can shape has the
// spec's JSON error and a request-id, and none redirects; those net/http
// writes before any handler runs (documented in the OpenAPI document) are
// plain text without a request-id.
func TestMuxAnswersAreJSON(t *testing.T) {
	t.Parallel()
	rs := start(t, func(mux *http.ServeMux) {
		// A subtree pattern, for which the mux redirects /sub to /sub/; and
		// handlers whose own redirect and 404 must go through untouched.
		mux.HandleFunc("GET /sub/", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "sub") })
		mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		})
		mux.HandleFunc("GET /own404", http.NotFound)
	})
	addr := strings.TrimPrefix(rs.url, "http://")
	const host = "Host: 127.0.0.1\r\n"
	users := "/partner/external/v3/um/customers/de000000-0000-4000-8000-000000000002/tenants/de000000-0000-4000-8000-000000000003/overview/security/users/batch"
	for _, tc := range []struct {
		name, request string
		status        int
		code          string // the JSON error's code; "" for a response that is not a JSON error
		allow         string // the Allow header wanted, if any
		requestID     bool   // whether the response has a request-id
	}{
		{"double slash", "GET //healthz HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"dot dot", "GET /x/../healthz HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"dot", "GET /./healthz HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"double slash in the API", "GET /partner/external/v3/um//customers HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"absolute form without a path", "GET http://127.0.0.1 HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"missing trailing slash", "GET /sub?x=1 HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"unknown path", "GET /no/such/thing HTTP/1.1\r\n" + host + "\r\n", 404, "NotFound", "", true},
		{"POST to a GET route", "POST /healthz HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", 405, "MethodNotAllowed", "GET, HEAD", true},
		{"OPTIONS to a GET route", "OPTIONS /openapi.yaml HTTP/1.1\r\n" + host + "\r\n", 405, "MethodNotAllowed", "GET, HEAD", true},
		{"GET of the token endpoint", "GET /connect/token HTTP/1.1\r\n" + host + "\r\n", 405, "MethodNotAllowed", "POST", true},
		{"DELETE of the API", "DELETE " + users + " HTTP/1.1\r\n" + host + "\r\n", 405, "MethodNotAllowed", "GET", true},
		{"asterisk", "GET * HTTP/1.1\r\n" + host + "\r\n", 400, "BadRequest", "", true},
		{"CONNECT", "CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n", 404, "NotFound", "", true},
		{"OPTIONS asterisk", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", 200, "", "", true},
		{"a subtree route", "GET /sub/ HTTP/1.1\r\n" + host + "\r\n", 200, "", "", true},
		{"below a subtree route", "GET /sub/x HTTP/1.1\r\n" + host + "\r\n", 200, "", "", true},
		{"a handler's own redirect", "GET /moved HTTP/1.1\r\n" + host + "\r\n", 302, "", "", true},
		{"a handler's own 404", "GET /own404 HTTP/1.1\r\n" + host + "\r\n", 404, "", "", true},

		// Answered by net/http before any handler: plain text, no request id.
		{"header too large", "GET /healthz HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("a", 100<<10) + "\r\n\r\n", 431, "", "", false},
		{"missing Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "", "", false},
		{"malformed Host", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "", "", false},
		{"malformed header name", "GET /healthz HTTP/1.1\r\n" + host + "Bad Name: x\r\n\r\n", 400, "", "", false},
		{"malformed request line", "GET\r\n" + host + "\r\n", 400, "", "", false},
		{"unsupported version", "GET /healthz HTTP/2.5\r\n" + host + "\r\n", 505, "", "", false},
		{"unsupported transfer coding", "POST /connect/token HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501, "", "", false},
		{"unsupported expectation", "POST /connect/token HTTP/1.1\r\n" + host + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\n", 417, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawRequest(t, addr, tc.request)
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d (Location %q) %q, want %d", resp.StatusCode, resp.Header.Get("Location"), body, tc.status)
			}
			if got := resp.Header.Get("request-id") != ""; got != tc.requestID {
				t.Errorf("got a request-id header: %v, want %v", got, tc.requestID)
			}
			if tc.code != "" {
				if e := decodeError(t, resp, body); e.Error.Code != tc.code || e.Error.Message == "" || e.Error.InnerError.Date == "" {
					t.Errorf("got error %+v, want code %s with a message and a date", e.Error, tc.code)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("got Content-Type %q, want JSON", ct)
				}
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("got Allow %q, want %q", got, tc.allow)
			}
			if tc.status/100 != 3 && resp.Header.Get("Location") != "" {
				t.Errorf("got Location %q, want none", resp.Header.Get("Location"))
			}
		})
	}
}
