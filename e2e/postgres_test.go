package e2e

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// newPostgresEnv gives the binary a fresh, empty PostgreSQL schema; the
// test skips with a message when no PostgreSQL is reachable (CI requires one).
func newPostgresEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, db: pgtest.DSN(t)}
}

func TestPartnerJourneyPostgres(t *testing.T) {
	t.Parallel()
	testPartnerJourney(t, newPostgresEnv(t))
}

func TestDemoOnPostgres(t *testing.T) {
	t.Parallel()
	e := newPostgresEnv(t)
	s := e.serve("--demo", "--demo-users", "500")
	c := newClient(t, s)
	if !strings.Contains(s.out.String(), "TOKEN=") {
		t.Fatalf("no commands printed:\n%s", s.out.String())
	}
	resp, body := c.get("", "/readyz")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d %s", resp.StatusCode, body)
	}
}

// TestTwoServersOneDatabase starts two servers at once on a new database
// (both migrate and make sure a signing key exists: they race), then shows
// that a token from one is accepted by the other and that disabling or
// re-scoping an app through the CLI reaches both within seconds.
func TestTwoServersOneDatabase(t *testing.T) {
	t.Parallel()
	e := newPostgresEnv(t)
	// Behind a load balancer every server has the same public URL, which is
	// the issuer of its tokens.
	const issuer = "https://secusers.lb.test"
	var s1, s2 *server
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s1 = e.serve("--issuer", issuer) }()
	go func() { defer wg.Done(); s2 = e.serve("--issuer", issuer) }()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	c1, c2 := newClient(t, s1), newClient(t, s2)
	_, jwks1 := c1.get("", "/.well-known/jwks.json")
	_, jwks2 := c2.get("", "/.well-known/jwks.json")
	if string(jwks1) != string(jwks2) {
		t.Errorf("the servers publish different keys:\n%s\n%s", jwks1, jwks2)
	}

	w := setUpWorld(t, e)
	a := w.apps["all"]
	from1, from2 := c1.token(a.clientID, a.secret), c2.token(a.clientID, a.secret)
	for _, tc := range []struct {
		name  string
		c     *client
		token string
	}{{"token of server 1 on server 2", c2, from1}, {"token of server 2 on server 1", c1, from2}} {
		if resp, body := tc.c.get(tc.token, usersPath(w.cust1, w.tenant1)); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}

	// Re-scope "all" to the second customer only: both servers refuse the
	// first customer within seconds, though the tokens have not expired.
	e.json("admin", "app", "scope", "--app", a.clientID, "--customers", w.cust2)
	waitStatus(t, c1, from2, usersPath(w.cust1, w.tenant1), http.StatusForbidden)
	waitStatus(t, c2, from1, usersPath(w.cust1, w.tenant1), http.StatusForbidden)
	if resp, _ := c2.get(from1, usersPath(w.cust2, w.tenant2)); resp.StatusCode != http.StatusOK {
		t.Errorf("the new scope's customer: got %d, want 200", resp.StatusCode)
	}
	e.json("admin", "app", "disable", "--app", a.clientID)
	waitStatus(t, c1, from1, usersPath(w.cust2, w.tenant2), http.StatusUnauthorized)
	waitStatus(t, c2, from2, usersPath(w.cust2, w.tenant2), http.StatusUnauthorized)
}

// waitStatus polls until target answers want, for at most ten seconds.
func waitStatus(t *testing.T, c *client, token, target string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, _ := c.get(token, target)
		if resp.StatusCode == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: still %d after 10s, want %d", target, resp.StatusCode, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDatabaseOutage runs a server through a TCP proxy in front of
// PostgreSQL, cuts the proxy under requests, and restores it: requests get
// 503 with Retry-After (none hangs), /readyz fails, and the server recovers
// by itself.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	e := newPostgresEnv(t)
	w := setUpWorld(t, e)
	p := startProxy(t, e.db)
	proxied := &env{t: t, db: p.dsn}
	s := proxied.serve()
	c := newClient(t, s)
	c.http.Timeout = 15 * time.Second // a request still open after this has hung
	a := w.apps["all"]
	token := c.token(a.clientID, a.secret)
	target := usersPath(w.cust1, w.tenant1)
	if resp, body := c.get(token, target); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d %s", resp.StatusCode, body)
	}

	p.cut()
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := c.get(token, target)
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusServiceUnavailable {
			t.Errorf("during the outage: got %d, want 503", st)
		}
	}
	if resp, _ := c.get("", "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: got %d, want 503", resp.StatusCode)
	}
	if resp, _ := c.get("", "/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz during the outage: got %d, want 200 (liveness only)", resp.StatusCode)
	}

	p.restore()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, _ := c.get(token, target)
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered 30s after the database came back: %d", resp.StatusCode)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if resp, _ := c.get("", "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after recovery: got %d, want 200", resp.StatusCode)
	}
}

// proxy forwards TCP connections to PostgreSQL until cut.
type proxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	dsn    string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func startProxy(t *testing.T, dsn string) *proxy {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: u.Host, conns: map[net.Conn]struct{}{}}
	u.Host = ln.Addr().String()
	p.dsn = u.String()
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) accept() {
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		if !down {
			p.conns[conn] = struct{}{}
		}
		p.mu.Unlock()
		if down {
			conn.Close() // the database is "down": refuse at once
			continue
		}
		go p.forward(conn)
	}
}

func (p *proxy) forward(client net.Conn) {
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns[upstream] = struct{}{}
	p.mu.Unlock()
	go func() { io.Copy(upstream, client); upstream.Close() }()
	io.Copy(client, upstream)
	client.Close()
}

// cut closes every connection and refuses new ones.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
