// Package server composes the HTTP server of `secusers serve`: the partner
// API, the token service and discovery on one address, with /healthz
// (liveness), /readyz (readiness: the store answers), /metrics
// (Prometheus), /openapi.yaml, request ids and access logs, JSON errors for
// every answer the server shapes (unknown paths, other methods, paths not in
// canonical form, panics), the timeouts a server facing the internet needs,
// client addresses from trusted proxies, and a graceful drain on shutdown.
// /metrics and /readyz may move to an address of their own (Config.OpsAddr)
// that the internet does not reach.
//
// A Server listens before it serves, so that its caller (and a test running
// it in-process on 127.0.0.1:0) learns the bound address, and the issuer
// derived from it, before the first request.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/metrics"
	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
)

// Config configures a Server. Store is required.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080"; port 0
	// picks a free port, which Addr reports after Listen.
	Addr string
	// OpsAddr, when set, is a second address, for operations: /metrics,
	// /readyz and /healthz are served there, and Addr answers 404 for
	// /metrics and /readyz (it keeps /healthz), so that the public listener
	// need not show the traffic's shape. When "", Addr serves them all.
	OpsAddr string
	// TrustedProxies are the networks of the load balancers and reverse
	// proxies in front of the server. A request whose TCP peer is in one
	// is taken to come from the client X-Forwarded-For names (see
	// clientAddr), for the token endpoint's per-address limit and the
	// access log; from any other peer, the header is ignored. None: the
	// peer is always the client.
	TrustedProxies []netip.Prefix
	// Store holds everything; the Server does not close it.
	Store secusers.Store
	// Issuer is the public base URL written into tokens and discovery and
	// used for nextLink; when "", the server's own URL (see URL).
	Issuer string
	// TokenTTL is the access tokens' lifetime; the identity service's
	// default (an hour) when 0.
	TokenTTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives the access log and internal faults; slog.Default()
	// when nil. The server wraps its handler in reqlog.NewHandler, so that
	// the lines of a request carry its id.
	Logger *slog.Logger
	// Out receives the line "listening on http://ADDR" that scripts wait
	// for; nothing is written when nil.
	Out io.Writer
	// DrainTimeout bounds how long Serve waits for in-flight requests after
	// its context ends; DefaultDrainTimeout when 0.
	DrainTimeout time.Duration
	// StoreTimeout bounds the store calls of one API request; the API's
	// default (api.DefaultStoreTimeout) when 0.
	StoreTimeout time.Duration
	// Metrics is the registry /metrics serves and the server records its
	// requests and store calls on. When nil the server makes its own
	// (metrics.NewRegistry), so that servers in one process never share
	// series; a caller that has metrics of its own passes one in.
	Metrics *prometheus.Registry
	// Routes, when set, adds routes to the mux of Addr before the server
	// starts: features mounted by the caller, and tests' slow or panicking
	// handlers.
	Routes func(mux *http.ServeMux)
	// MasterKey seals the signing keys at rest (identity.Config.MasterKey);
	// nil stores them in the clear.
	MasterKey *credentials.Box
	// Limits are the rate limits; the zero value limits nothing.
	Limits Limiters
	// Timeouts are the connection limits; zero fields take the defaults
	// (DefaultTimeouts).
	Timeouts Timeouts
}

// Limiters are the rate limits of a server: per app on the partner API, and
// on the token endpoint per client id and per remote address. A nil
// limiter limits nothing. Servers that share a database share the limits
// when their limiters share a Redis (see internal/ratelimit).
type Limiters struct {
	API          ratelimit.Limiter
	TokenClient  ratelimit.Limiter
	TokenAddress ratelimit.Limiter
}

// Timeouts bound what a connection may take. ReadHeader stops slowloris
// clients: a client that sends its request header slower than that is cut
// off, whatever the pace of its bytes. Idle closes keep-alive connections
// nobody uses.
type Timeouts struct {
	ReadHeader time.Duration
	Read       time.Duration
	Write      time.Duration
	Idle       time.Duration
}

// DefaultTimeouts are the Timeouts of a server that sets none. The API's
// requests have no body worth minutes and its largest response (1000
// users) is written in well under Write.
var DefaultTimeouts = Timeouts{
	ReadHeader: 5 * time.Second,
	Read:       30 * time.Second,
	Write:      60 * time.Second,
	Idle:       60 * time.Second,
}

// withDefaults fills the zero fields from DefaultTimeouts.
func (t Timeouts) withDefaults() Timeouts {
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return Timeouts{
		ReadHeader: pick(t.ReadHeader, DefaultTimeouts.ReadHeader),
		Read:       pick(t.Read, DefaultTimeouts.Read),
		Write:      pick(t.Write, DefaultTimeouts.Write),
		Idle:       pick(t.Idle, DefaultTimeouts.Idle),
	}
}

// DefaultDrainTimeout is how long shutdown waits for in-flight requests by
// default: longer than any request of the API takes, shorter than the
// 30 seconds after which orchestrators send SIGKILL.
const DefaultDrainTimeout = 15 * time.Second

// The request size limits. The request line and headers together may hold
// maxHeaderBytes (net/http counts both); the query string alone is held to
// maxQueryBytes, far above any query the API takes (a nextLink's is under
// 300 bytes), so that no handler parses a megabyte of query.
const (
	maxHeaderBytes = 64 << 10
	maxQueryBytes  = 4 << 10
)

// Server is the HTTP server. Use New, then Listen and Serve, or Run.
type Server struct {
	cfg    Config
	public listener
	ops    listener // unused (srv nil) without Config.OpsAddr
	url    string
	issuer string
}

// listener is one bound address and the http.Server that serves it.
type listener struct {
	ln  net.Listener
	srv *http.Server
	url string
}

// New returns a Server for cfg; nothing happens until Listen.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// Every line logged with a request's context, however deep, gets the
	// request id, and no log call has to remember it.
	cfg.Logger = slog.New(reqlog.NewHandler(cfg.Logger.Handler()))
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewRegistry()
	}
	return &Server{cfg: cfg}
}

// Listen binds the address (and the operations address, when set) and
// builds the handlers, whose issuer may depend on the bound port. After it
// returns, Addr, URL and Issuer are known and connections queue until
// Serve.
func (s *Server) Listen(ctx context.Context) error {
	if s.cfg.Store == nil {
		return errors.New("server: a store is required")
	}
	ln, err := listen(ctx, s.cfg.Addr)
	if err != nil {
		return err
	}
	var opsLn net.Listener
	if s.cfg.OpsAddr != "" {
		if opsLn, err = listen(ctx, s.cfg.OpsAddr); err != nil {
			ln.Close()
			return err
		}
	}
	s.url = "http://" + displayAddr(ln.Addr())
	s.issuer = s.cfg.Issuer
	if s.issuer == "" {
		s.issuer = s.url
	}
	public, ops, err := s.handlers(ctx)
	if err != nil {
		ln.Close()
		if opsLn != nil {
			opsLn.Close()
		}
		return err
	}
	s.public = s.newListener(ln, public)
	if opsLn != nil {
		s.ops = s.newListener(opsLn, ops)
	}
	return nil
}

// listen binds the TCP address addr.
func listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// newListener makes the http.Server of ln, with the connection limits.
func (s *Server) newListener(ln net.Listener, h http.Handler) listener {
	t := s.cfg.Timeouts.withDefaults()
	return listener{ln: ln, url: "http://" + displayAddr(ln.Addr()), srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		// OPTIONS * reaches the handler, so that its answer, too, has a
		// request id (see serveAsterisk).
		DisableGeneralOptionsHandler: true,
	}}
}

// Addr returns the bound address, e.g. "127.0.0.1:43567", or "" before
// Listen.
func (s *Server) Addr() string {
	if s.public.ln == nil {
		return ""
	}
	return s.public.ln.Addr().String()
}

// OpsAddr returns the bound operations address, or "" before Listen and
// without Config.OpsAddr.
func (s *Server) OpsAddr() string {
	if s.ops.ln == nil {
		return ""
	}
	return s.ops.ln.Addr().String()
}

// OpsURL returns the base URL of the operations address, as URL does for
// the address, or "" without one.
func (s *Server) OpsURL() string { return s.ops.url }

// URL returns the base URL a client on this machine reaches the server at,
// e.g. "http://127.0.0.1:43567". An unspecified host (":8080", "0.0.0.0")
// becomes localhost, which "http://[::]:8080" would not be reachable as.
func (s *Server) URL() string { return s.url }

// Issuer returns the issuer tokens carry: Config.Issuer, or URL.
func (s *Server) Issuer() string { return s.issuer }

// displayAddr returns addr with an unspecified host replaced by localhost.
func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
}

// Serve answers requests until ctx ends, then stops accepting connections,
// waits up to the drain timeout for in-flight requests on every address,
// and returns nil: a shutdown asked for is a success. It returns an error
// only when serving fails, after stopping the other address too. Requests
// do not inherit ctx, so the ones in flight finish rather than being
// cancelled with it.
func (s *Server) Serve(ctx context.Context) error {
	if s.public.srv == nil {
		return errors.New("server: Serve called before Listen")
	}
	running := []listener{s.public}
	if s.ops.srv != nil {
		running = append(running, s.ops)
	}
	errc := make(chan error, len(running))
	for _, l := range running {
		go func() { errc <- l.srv.Serve(l.ln) }()
	}
	s.announce()
	var err error
	pending := len(running)
	select {
	case err = <-errc:
		err = fmt.Errorf("serve: %w", err)
		pending--
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "drainTimeout", s.cfg.DrainTimeout.String())
	s.drain(ctx, running)
	for ; pending > 0; pending-- {
		<-errc // http.ErrServerClosed, now that Shutdown or Close ran
	}
	s.cfg.Logger.Info("stopped")
	return err
}

// announce logs the addresses and writes the lines that scripts wait for:
// "listening on URL" first, since scripts take the first URL they see.
func (s *Server) announce() {
	attrs := []any{"addr", s.Addr(), "url", s.url, "issuer", s.issuer}
	if s.ops.srv != nil {
		attrs = append(attrs, "opsAddr", s.OpsAddr(), "opsUrl", s.ops.url)
	}
	s.cfg.Logger.Info("listening", attrs...)
	if s.cfg.Out == nil {
		return
	}
	fmt.Fprintf(s.cfg.Out, "listening on %s\n", s.url)
	if s.ops.srv != nil {
		fmt.Fprintf(s.cfg.Out, "operations (/metrics, /readyz, /healthz) on %s\n", s.ops.url)
	}
}

// drain shuts the servers down together, each waiting for its in-flight
// requests until the one drain timeout, then closing what is left.
func (s *Server) drain(ctx context.Context, running []listener) {
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.DrainTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, l := range running {
		wg.Go(func() {
			if err := l.srv.Shutdown(drainCtx); err != nil {
				s.cfg.Logger.Warn("requests still in flight after the drain timeout; closing their connections", "addr", l.ln.Addr().String(), "err", err)
				l.srv.Close()
			}
		})
	}
	wg.Wait()
}

// Run listens and serves until ctx ends; see Listen and Serve.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(ctx); err != nil {
		return err
	}
	return s.Serve(ctx)
}
