package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"strings"

	"github.com/secusers/secusers/internal/api"
	"github.com/secusers/secusers/internal/secusers"
)

// The errors of requests the mux would answer by itself.
var (
	errNoSuchPath = secusers.Errorf(secusers.NotFound, "no such path")
	// errNotCanonical answers a path the mux would redirect to its clean
	// form: an API client that follows the redirect would resend its
	// bearer token to a URL it never asked for, and one that does not
	// learns nothing from a 307 without a body.
	errNotCanonical = secusers.Errorf(secusers.NotFound,
		`no such path; a path has no empty, "." or ".." segments`)
	errAsteriskTarget = secusers.Errorf(secusers.Invalid,
		"the request target * is allowed only with the method OPTIONS")
	// errMethodNotAllowed answers a method the path does not serve; the
	// mux has set Allow to the methods it does, which the error keeps.
	errMethodNotAllowed = api.MethodNotAllowed(
		"this path does not serve the method; the Allow header lists those it does")
)

// muxAnswers serves mux, giving the answers that ServeMux makes by itself
// the spec's JSON error: no handler of ours writes them, so without this
// they would be plain text (404, 405, the 400 of "*") or redirects (a
// path with "//", "." or "..", or without the trailing slash of a subtree
// pattern). Two of them are refused before the mux sees the request, since
// ServeMux redirects before it calls any handler: a path that is not in
// canonical form, and the request target "*". The others are caught on the
// way out by muxWriter, which replaces the mux's own 404 and 405 (those of
// a request that matched no pattern) and its trailing-slash redirect;
// whatever a matched handler writes goes through untouched.
func muxAnswers(mux *http.ServeMux, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI == "*" {
			serveAsterisk(w, r, logger)
			return
		}
		if p := r.URL.EscapedPath(); r.Method != http.MethodConnect && cleanPath(p) != p {
			api.WriteError(w, r, logger, errNotCanonical)
			return
		}
		mux.ServeHTTP(&muxWriter{ResponseWriter: w, r: r, logger: logger}, r)
	})
}

// serveAsterisk answers a request for "*": OPTIONS * (a question about the
// server as a whole) the way net/http's own handler does, 200 without a
// body, but with the request id that handler would not write (the server
// turns it off: DisableGeneralOptionsHandler); any other method the JSON
// 400 instead of ServeMux's empty one.
func serveAsterisk(w http.ResponseWriter, r *http.Request, logger *slog.Logger) {
	if r.Method != http.MethodOptions {
		api.WriteError(w, r, logger, errAsteriskTarget)
		return
	}
	w.Header().Set("Content-Length", "0")
	// As net/http does: read a little of a body (RFC 9110 reserves it for
	// future use), and close the connection after a larger one.
	if r.ContentLength != 0 {
		_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
	}
}

// cleanPath is ServeMux's canonical form of a path (net/http's cleanPath):
// rooted, with no empty, "." or ".." segments, and a trailing slash kept.
// A request whose path differs from it is one the mux would redirect.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// muxWriter replaces the answers ServeMux writes by itself with the JSON
// error, and drops the text body that follows: a 404 or 405 of a request
// that matched no pattern (ServeMux leaves r.Pattern empty then, having
// set it on this very request), and the redirect of a path to the same
// path with a slash appended, which the mux makes when only a subtree
// pattern ("/x/") matches.
type muxWriter struct {
	http.ResponseWriter
	r        *http.Request
	logger   *slog.Logger
	replaced bool
}

func (w *muxWriter) WriteHeader(status int) {
	switch {
	case w.r.Pattern == "" && status == http.StatusNotFound:
		api.WriteError(w.ResponseWriter, w.r, w.logger, errNoSuchPath)
	case w.r.Pattern == "" && status == http.StatusMethodNotAllowed:
		api.WriteError(w.ResponseWriter, w.r, w.logger, errMethodNotAllowed)
	case isRedirect(status) && w.Header().Get("Location") == slashRedirect(w.r):
		w.Header().Del("Location")
		api.WriteError(w.ResponseWriter, w.r, w.logger, errNoSuchPath)
	default:
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.replaced = true
}

func (w *muxWriter) Write(p []byte) (int, error) {
	if w.replaced {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *muxWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// slashRedirect is the Location of ServeMux's trailing-slash redirect of r:
// its clean path with a slash appended, and its query, written as the mux
// writes it.
func slashRedirect(r *http.Request) string {
	return (&url.URL{Path: cleanPath(r.URL.Path) + "/", RawQuery: r.URL.RawQuery}).String()
}

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
				logger.ErrorContext(r.Context(), "panic after the response started", "err", err)
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
