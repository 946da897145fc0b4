package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedisAddr is the Redis the tests use; CI starts one there.
const testRedisAddr = "127.0.0.1:6379"

// testRedisURL returns the URL of the test Redis, skipping the test when it
// cannot be reached unless SECUSERS_REQUIRE_REDIS=1 demands it.
func testRedisURL(tb testing.TB) string {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", testRedisAddr, time.Second)
	if err != nil {
		if os.Getenv("SECUSERS_REQUIRE_REDIS") == "1" {
			tb.Fatalf("Redis at %s is required (SECUSERS_REQUIRE_REDIS=1) but unreachable: %v", testRedisAddr, err)
		}
		tb.Skipf("skipping: no Redis at %s (%v); set SECUSERS_REQUIRE_REDIS=1 to fail instead", testRedisAddr, err)
	}
	conn.Close()
	return "redis://" + testRedisAddr
}

// newTestClient returns a client of the Redis at url set up as New sets it
// up, closed when the test ends.
func newTestClient(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	opts, err := parseRedisURL(url)
	if err != nil {
		tb.Fatal(err)
	}
	c := redis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	return c
}

// testPrefix is a key prefix no other test, nor another run of this one,
// shares.
func testPrefix(tb testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "test:" + tb.Name() + ":" + hex.EncodeToString(b) + ":"
}

// testTimeout is the Redis timeout of tests that are not about timeouts: a
// loaded test machine may well take longer than DefaultTimeout.
const testTimeout = 5 * time.Second

// proxy forwards TCP connections to a target and can be stopped (closing
// every connection, as a Redis going away does) and started again on the
// same address.
type proxy struct {
	tb     testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

func startProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	p := &proxy{tb: tb, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.start()
	p.addr = p.ln.Addr().String()
	tb.Cleanup(p.stop)
	return p
}

func (p *proxy) start() {
	p.tb.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.tb.Fatalf("proxy listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) serve(ln net.Listener) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		if !p.track(client, server) {
			return
		}
		go pipe(client, server)
		go pipe(server, client)
	}
}

// track records the connections so that stop can cut them, unless the
// proxy was stopped meanwhile.
func (p *proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// logRecorder is a slog handler keeping the messages logged, so that tests
// can count them.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func newLogRecorder() (*logRecorder, *slog.Logger) {
	r := &logRecorder{}
	return r, slog.New(r)
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}

func (r *logRecorder) Messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}
