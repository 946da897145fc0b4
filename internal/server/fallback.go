package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"secusers/internal/api"
	"secusers/internal/reqlog"
	"secusers/internal/secusers"
)

// notFoundJSON answers requests that match no route with the spec's JSON
// 404 instead of the mux's text. It cannot be a catch-all "/" route: that
// would match every method of every path and so take away the mux's 405
// for routes registered with a method ("POST /connect/token"). Instead a
// request without a matching pattern is served by the mux with a writer
// that turns its 404, and only its 404, into the JSON error; the 405 goes
// through as the mux writes it, with its Allow header.
func notFoundJSON(mux *http.ServeMux, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&notFoundWriter{ResponseWriter: w, r: r, logger: logger}, r)
	})
}

// notFoundWriter replaces a 404 written through it by the JSON error and
// drops the text body that follows.
type notFoundWriter struct {
	http.ResponseWriter
	r        *http.Request
	logger   *slog.Logger
	replaced bool
}

func (w *notFoundWriter) WriteHeader(status int) {
	if status != http.StatusNotFound {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.replaced = true
	api.WriteError(w.ResponseWriter, w.r, w.logger, secusers.Errorf(secusers.NotFound, "no such path"))
}

func (w *notFoundWriter) Write(p []byte) (int, error) {
	if w.replaced {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *notFoundWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanics turns a handler's panic into the spec's 500, whose body
// says nothing about the cause; the panic value and stack go to the log
// with the request id. When the response had already started, a 500 is
// impossible, and the connection is cut instead (http.ErrAbortHandler) so
// that the client sees a broken response rather than a truncated one that
// looks complete.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &startWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if sw.started {
				reqlog.Logger(r.Context(), logger).Error("panic after the response started", "err", err)
				panic(http.ErrAbortHandler)
			}
			api.WriteError(w, r, logger, err)
		}()
		next.ServeHTTP(sw, r)
	})
}

// startWriter records whether the response has started.
type startWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startWriter) WriteHeader(status int) {
	w.started = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *startWriter) Write(p []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(p)
}

// Flush passes flushes on; a flushed response has started.
func (w *startWriter) Flush() {
	w.started = true
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *startWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
