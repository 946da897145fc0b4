package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secusers/secusers/client"
)

// fault is a reverse proxy in front of the test server that answers the
// next API requests itself, as a failing server or load balancer would.
type fault struct {
	srv  *httptest.Server
	mu   sync.Mutex
	next []func(w http.ResponseWriter) // one answer for each of the next API requests
	seen atomic.Int64                  // API requests that reached the proxy
}

func newFault(t *testing.T, target string) *fault {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &fault{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != client.TokenPath {
			f.seen.Add(1)
			if answer := f.pop(); answer != nil {
				answer(w)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// then queues answers for the next API requests.
func (f *fault) then(answers ...func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, answers...)
}

func (f *fault) pop() func(w http.ResponseWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.next) == 0 {
		return nil
	}
	a := f.next[0]
	f.next = f.next[1:]
	return a
}

// status returns an answer with the spec's error body and extra headers
// as name, value pairs.
func status(code int, headers ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("request-id", "fault-1")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"injected","innerError":{"request-id":"fault-1","date":"2026-11-29T06:00:00Z"}}}`,
			strings.ReplaceAll(http.StatusText(code), " ", ""))
	}
}

// hangUp closes the connection without answering: a network error.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func firstPage(t *testing.T, c *client.Client) *client.Page {
	t.Helper()
	p, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 5})
	if err != nil {
		t.Fatalf("SecurityUsers: %v", err)
	}
	if len(p.Data) != 5 {
		t.Fatalf("got %d users, want 5", len(p.Data))
	}
	return p
}
