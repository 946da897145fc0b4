// Package server composes the HTTP server of `secusers serve`: the partner
// API, the token service and discovery on one address, with /healthz
// (liveness), /readyz (readiness: the store answers), /metrics
// (Prometheus), /openapi.yaml, request ids and access logs, JSON errors for
// unknown paths and panics, the timeouts a server facing the internet
// needs, and a graceful drain on shutdown.
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
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"secusers/internal/credentials"
	"secusers/internal/metrics"
	"secusers/internal/ratelimit"
	"secusers/internal/secusers"
)

// Config configures a Server. Store is required.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080"; port 0
	// picks a free port, which Addr reports after Listen.
	Addr string
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
	// when nil.
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
	// Routes, when set, adds routes to the mux before the server starts:
	// features mounted by the caller, and tests' slow or panicking handlers.
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
	ln     net.Listener
	srv    *http.Server
	url    string
	issuer string
}

// New returns a Server for cfg; nothing happens until Listen.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewRegistry()
	}
	return &Server{cfg: cfg}
}

// Listen binds the address and builds the handlers, whose issuer may depend
// on the bound port. After it returns, Addr, URL and Issuer are known and
// connections queue until Serve.
func (s *Server) Listen(ctx context.Context) error {
	if s.cfg.Store == nil {
		return errors.New("server: a store is required")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.url = "http://" + displayAddr(ln.Addr())
	s.issuer = s.cfg.Issuer
	if s.issuer == "" {
		s.issuer = s.url
	}
	handler, err := s.handler(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	s.ln = ln
	t := s.cfg.Timeouts.withDefaults()
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	return nil
}

// Addr returns the bound address, e.g. "127.0.0.1:43567", or "" before
// Listen.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

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
// waits up to the drain timeout for in-flight requests, and returns nil: a
// shutdown asked for is a success. It returns an error only when serving
// fails. Requests do not inherit ctx, so the ones in flight finish rather
// than being cancelled with it.
func (s *Server) Serve(ctx context.Context) error {
	if s.srv == nil {
		return errors.New("server: Serve called before Listen")
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	s.cfg.Logger.Info("listening", "addr", s.Addr(), "url", s.url, "issuer", s.issuer)
	if s.cfg.Out != nil {
		fmt.Fprintf(s.cfg.Out, "listening on %s\n", s.url)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "drainTimeout", s.cfg.DrainTimeout.String())
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.DrainTimeout)
	defer cancel()
	if err := s.srv.Shutdown(drainCtx); err != nil {
		s.cfg.Logger.Warn("requests still in flight after the drain timeout; closing their connections", "err", err)
		s.srv.Close()
	}
	<-errc // http.ErrServerClosed, now that Shutdown or Close ran
	s.cfg.Logger.Info("stopped")
	return nil
}

// Run listens and serves until ctx ends; see Listen and Serve.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(ctx); err != nil {
		return err
	}
	return s.Serve(ctx)
}
