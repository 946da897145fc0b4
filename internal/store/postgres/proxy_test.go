package postgres

import (
	"io"
	"net"
	"sync"
	"testing"
)

// proxy is a TCP relay in front of the real server, which a test can cut
// (every connection closed, new ones closed at once: a server that is down
// or restarting) or silence (nothing relayed, new connections left without
// an answer: a network partition), and then restore.
type proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	mode    proxyMode
	changed chan struct{} // closed when mode changes
	conns   map[net.Conn]bool
}

type proxyMode int

const (
	relaying proxyMode = iota
	cut
	silent
)

// startProxy relays 127.0.0.1:random to target until the test ends.
func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, changed: make(chan struct{}), conns: make(map[net.Conn]bool)}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.setMode(cut)
	})
	return p
}

// Addr returns the address the proxy listens on.
func (p *proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection and refuses new ones until Restore.
func (p *proxy) Cut() { p.setMode(cut) }

// Silence stops relaying: connections stay open, but nothing passes.
func (p *proxy) Silence() { p.setMode(silent) }

// Restore relays again. Connections made while silent are closed: their
// clients have given up on them.
func (p *proxy) Restore() { p.setMode(relaying) }

func (p *proxy) setMode(m proxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	close(p.changed)
	p.changed = make(chan struct{})
	for c, relayed := range p.conns {
		if m == cut || (m == relaying && !relayed) {
			c.Close()
			delete(p.conns, c)
		}
	}
}

func (p *proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		switch mode {
		case cut:
			client.Close()
		case silent:
			p.conns[client] = false // held, never answered
		}
		p.mu.Unlock()
		if mode == relaying {
			go p.relay(client)
		}
	}
}

func (p *proxy) relay(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns[client], p.conns[server] = true, true
	p.mu.Unlock()
	go p.pipe(server, client)
	p.pipe(client, server)
}

// pipe copies src to dst, holding each chunk while the proxy is silent,
// until either side closes or the proxy cuts.
func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.waitRelaying() {
			return
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err == io.EOF || err != nil {
			return
		}
	}
}

// waitRelaying blocks while the proxy is silent; it reports whether the
// proxy relays (rather than cut).
func (p *proxy) waitRelaying() bool {
	for {
		p.mu.Lock()
		mode, changed := p.mode, p.changed
		p.mu.Unlock()
		switch mode {
		case relaying:
			return true
		case cut:
			return false
		}
		<-changed
	}
}
