package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/secusers/secusers/internal/api"
	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/metrics"
	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/openapi"
)

// handlers builds the handler of the address and, with Config.OpsAddr, of
// the operations address (nil without one): /metrics and /readyz go to the
// operations mux when there is one, /healthz to both.
//
// Every handler sees the store through the metrics decorator; the pool
// collector reads the store itself, since the decorator hides its pool.
func (s *Server) handlers(ctx context.Context) (public, ops http.Handler, err error) {
	reg, logger := s.cfg.Metrics, s.cfg.Logger
	store := metrics.InstrumentStore(s.cfg.Store, reg)
	metrics.RegisterPool(reg, s.cfg.Store)
	ids, err := identity.New(ctx, identity.Config{
		Store: store, Issuer: s.issuer, TokenTTL: s.cfg.TokenTTL, Now: s.cfg.Now, Logger: logger,
		MasterKey: s.cfg.MasterKey, ClientLimiter: s.cfg.Limits.TokenClient, AddressLimiter: s.cfg.Limits.TokenAddress,
		StoreTimeout: s.cfg.StoreTimeout,
	})
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	// The partner API: the security-users endpoint and the overview
	// endpoints (a tenant's history, the changes of one tenant or across
	// tenants), each with and without "/partner".
	api.New(api.Config{
		Store: store, Verifier: ids, BaseURL: s.issuer, Now: s.cfg.Now, Logger: logger, StoreTimeout: s.cfg.StoreTimeout,
		Limiter: s.cfg.Limits.API,
	}).Register(mux)
	ids.Register(mux)
	mux.HandleFunc("GET /openapi.yaml", serveOpenAPI)
	opsMux := mux
	if s.cfg.OpsAddr != "" {
		opsMux = http.NewServeMux()
		mux.HandleFunc("GET /healthz", serveHealth)
	}
	opsMux.HandleFunc("GET /healthz", serveHealth)
	opsMux.Handle("GET /readyz", readiness(store, logger))
	opsMux.Handle("GET /metrics", metrics.Handler(reg, logger))
	if s.cfg.Routes != nil {
		s.cfg.Routes(mux)
	}
	public = s.chain(mux)
	if opsMux != mux {
		ops = s.chain(opsMux)
	}
	return public, ops, nil
}

// chain wraps a mux in the middleware every address has. Outermost, the
// client address from trusted proxies, so that everything after it sees
// the client; then request ids and the access log, so that even a panic's
// 500 is logged with its id; then the request metrics, outside the panic
// recovery so that a panic's 500 is counted, and passing the request
// unchanged down to the mux, whose pattern is their route label (the two
// addresses share the series: metrics.InstrumentHandler registers them
// once); then the routes, with the JSON error for what the mux would
// answer itself.
func (s *Server) chain(mux *http.ServeMux) http.Handler {
	logger := s.cfg.Logger
	inner := limitQuery(recoverPanics(logger, muxAnswers(mux, logger)), logger)
	return trustProxies(s.cfg.TrustedProxies, reqlog.Middleware(logger, metrics.InstrumentHandler(s.cfg.Metrics, inner)))
}

// healthBody is the answer of /healthz. The check is the server's own:
// answering means it accepts requests, which is what the spec promises. It
// does not ping the store, so that a database hiccup does not make an
// orchestrator restart every server at once; /readyz is the check that
// does.
const healthBody = `{"status":"ok"}` + "\n"

func serveHealth(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, healthBody)
}

// writeStatus writes a small JSON status body that no cache may keep: it
// describes the server at this moment.
func writeStatus(w http.ResponseWriter, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/yaml")
	h.Set("Content-Length", strconv.Itoa(len(openapi.Document)))
	_, _ = w.Write(openapi.Document)
}
