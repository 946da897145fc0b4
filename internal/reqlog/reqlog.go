// Package reqlog gives every HTTP request an id and one structured log line.
//
// The middleware assigns the id (echoing a client-sent client-request-id as
// well), sets the request-id header before any handler writes, and logs one
// line per request with the id, the authenticated client id, the remote IP
// address, the method, the path, the status and the duration. Handlers read
// the id with ID and record the client with SetClientID. A logger whose
// handler is wrapped by NewHandler adds the id to every line logged with the
// request's context, so that no log call has to remember it.
package reqlog

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Header names.
const (
	RequestIDHeader       = "request-id"
	ClientRequestIDHeader = "client-request-id"
)

type ctxKey struct{}

// info is the per-request state shared between the middleware and handlers.
type info struct {
	id       string
	clientID string
}

// ID returns the request's id, or "" outside a request.
func ID(ctx context.Context) string {
	if in, ok := ctx.Value(ctxKey{}).(*info); ok {
		return in.id
	}
	return ""
}

// SetClientID records the client the request authenticated as, for its log line.
func SetClientID(ctx context.Context, clientID string) {
	if in, ok := ctx.Value(ctxKey{}).(*info); ok {
		in.clientID = clientID
	}
}

// idKey is the log key of the request id, on the access log line and on
// every line Handler stamps, so that one search finds them all.
const idKey = "requestId"

// maxClientRequestID bounds the echoed client-request-id, so a client cannot
// make the server write arbitrarily large headers or log lines.
const maxClientRequestID = 128

// Middleware wraps next with request ids and access logging to logger.
func Middleware(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		in := &info{id: uuid.NewString()}
		w.Header().Set(RequestIDHeader, in.id)
		if cid := r.Header.Get(ClientRequestIDHeader); cid != "" && len(cid) <= maxClientRequestID && printable(cid) {
			w.Header().Set(ClientRequestIDHeader, cid)
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), ctxKey{}, in)))
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String(idKey, in.id),
			slog.String("clientId", in.clientID),
			slog.String("remoteIp", remoteIP(r.RemoteAddr)),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
		)
	})
}

// remoteIP is the IP address of remoteAddr ("IP:port"), without the port,
// which says nothing about the client (and is 0 for a client behind a
// trusted proxy: the server sets RemoteAddr to the forwarded address). The
// whole of remoteAddr when it has no port.
func remoteIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder remembers the status and size of a response for the log line.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
