package identity

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// The error codes of RFC 6749 §5.2, and the two of §4.1.2.1 that describe
// server-side failures.
const (
	codeInvalidRequest         = "invalid_request"
	codeInvalidClient          = "invalid_client"
	codeUnsupportedGrantType   = "unsupported_grant_type"
	codeInvalidScope           = "invalid_scope"
	codeServerError            = "server_error"
	codeTemporarilyUnavailable = "temporarily_unavailable"
)

// basicChallenge is the WWW-Authenticate of the token endpoint's 401s.
const basicChallenge = `Basic realm="secusers"`

// oauthError is an RFC 6749 error response, passed up as a value and written
// by writeError alone, so every refusal has the same shape and headers.
type oauthError struct {
	code        string
	description string // shown to the client; writeError keeps it to RFC 6749's character set
	// viaHeader marks an invalid_client error for a client that tried to
	// authenticate through the Authorization header, with Basic or any
	// other scheme: RFC 6749 §5.2 requires a 401 with a challenge then.
	viaHeader bool
	// retryAfter, when not zero, makes the error a 429 with this many
	// seconds in Retry-After: a rate limit was spent.
	retryAfter int
	cause      error // why, for the log only; never shown
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

func (e *oauthError) Unwrap() error { return e.cause }

func invalidRequest(description string) *oauthError {
	return &oauthError{code: codeInvalidRequest, description: description}
}

func invalidScope(description string) *oauthError {
	return &oauthError{code: codeInvalidScope, description: description}
}

// errorBody is the JSON of an error response (RFC 6749 §5.2).
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeError writes err as an OAuth2 error response. An oauthError is the
// client's fault and is shown as it is; a store outage is a 503 the client
// may retry; anything else is a 500 whose details go to the log only. The
// log lines take the request's context, for its id.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	var oe *oauthError
	status := http.StatusBadRequest
	switch {
	case errors.As(err, &oe):
		switch {
		case oe.retryAfter > 0:
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(oe.retryAfter))
		case oe.viaHeader:
			// Basic is the one scheme the endpoint accepts, so it is the
			// challenge whatever scheme the client tried.
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", basicChallenge)
		}
		if oe.cause != nil {
			s.logger.InfoContext(ctx, "token request refused", slog.String("code", oe.code), slog.Any("err", oe.cause))
		}
	case secusers.IsKind(err, secusers.Unavailable):
		status = http.StatusServiceUnavailable
		oe = &oauthError{code: codeTemporarilyUnavailable, description: "the service is temporarily unavailable, retry later"}
		w.Header().Set("Retry-After", secusers.RetryAfterUnavailableHeader())
		s.logger.WarnContext(ctx, "store unavailable", slog.String("path", r.URL.Path), slog.Any("err", err))
	default:
		status = http.StatusInternalServerError
		oe = &oauthError{code: codeServerError, description: "an internal error occurred"}
		level := slog.LevelError
		if ctx.Err() != nil {
			level = slog.LevelInfo // the client went away mid-request: not a fault of ours
		}
		s.logger.Log(ctx, level, "internal error", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	writeJSON(w, status, errorBody{Error: oe.code, Description: safeDescription(oe.description)})
}

// maxDescription bounds error_description, which may quote client input.
const maxDescription = 200

// safeDescription keeps an error description to the characters RFC 6749
// §5.2 allows (printable ASCII without '"' and '\'), replacing the others,
// and to a bounded length, so client input echoed in it stays harmless.
func safeDescription(d string) string {
	var b strings.Builder
	for _, c := range []byte(d) {
		if b.Len() >= maxDescription {
			b.WriteString("...")
			break
		}
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// writeJSON writes v with the headers every response of the token service
// carries: tokens and errors about credentials must not be cached (RFC 6749
// §5.1), and Pragma covers HTTP/1.0 caches.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing useful to do
}
