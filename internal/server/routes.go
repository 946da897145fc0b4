package server

import (
	"context"
	"net/http"
	"strconv"

	"secusers/internal/api"
	"secusers/internal/identity"
	"secusers/internal/reqlog"
	"secusers/openapi"
)

// handler builds the whole handler chain: request ids and the access log
// outermost, so that even a panic's 500 is logged with its id, then panic
// recovery, then the routes with a JSON 404 for unknown paths.
func (s *Server) handler(ctx context.Context) (http.Handler, error) {
	ids, err := identity.New(ctx, identity.Config{
		Store: s.cfg.Store, Issuer: s.issuer, TokenTTL: s.cfg.TokenTTL, Now: s.cfg.Now, Logger: s.cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	api.New(api.Config{
		Store: s.cfg.Store, Verifier: ids, BaseURL: s.issuer, Now: s.cfg.Now, Logger: s.cfg.Logger,
	}).Register(mux)
	ids.Register(mux)
	mux.HandleFunc("GET /healthz", serveHealth)
	mux.HandleFunc("GET /openapi.yaml", serveOpenAPI)
	if s.cfg.Routes != nil {
		s.cfg.Routes(mux)
	}
	logger := s.cfg.Logger
	return reqlog.Middleware(logger, recoverPanics(logger, notFoundJSON(mux, logger))), nil
}

// healthBody is the answer of /healthz. The check is the server's own:
// answering means it accepts requests, which is what the spec promises. It
// does not ping the store, so that a database hiccup does not make an
// orchestrator restart every server at once.
const healthBody = `{"status":"ok"}` + "\n"

func serveHealth(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(healthBody)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(healthBody))
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/yaml")
	h.Set("Content-Length", strconv.Itoa(len(openapi.Document)))
	_, _ = w.Write(openapi.Document)
}
