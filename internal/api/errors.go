package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
)

// internalMessage is the only message a 500 carries: the cause is in the
// log line of the request id, and nothing about it reaches the client.
const internalMessage = "an unexpected error occurred; quote the request id to support"

// kindStatus maps each domain kind to its HTTP status (spec §4). Kinds not
// listed, and errors that carry no kind, are 500.
var kindStatus = map[secusers.Kind]int{
	secusers.Invalid:         http.StatusBadRequest,
	secusers.Unauthenticated: http.StatusUnauthorized,
	secusers.Forbidden:       http.StatusForbidden,
	secusers.NotFound:        http.StatusNotFound,
	secusers.Conflict:        http.StatusConflict,
	secusers.Unavailable:     http.StatusServiceUnavailable,
	secusers.RateLimited:     http.StatusTooManyRequests,
	secusers.Internal:        http.StatusInternalServerError,
}

// statusCode maps an HTTP status to the spec's error code (spec §4).
var statusCode = map[int]string{
	http.StatusBadRequest:          "BadRequest",
	http.StatusUnauthorized:        "Unauthorized",
	http.StatusForbidden:           "Forbidden",
	http.StatusNotFound:            "NotFound",
	http.StatusMethodNotAllowed:    "MethodNotAllowed",
	http.StatusConflict:            "Conflict",
	http.StatusTooManyRequests:     "TooManyRequests",
	http.StatusInternalServerError: "InternalServerError",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
}

// invalidTokenChallenge is the RFC 6750 challenge of every 401. The spec
// (§4) gives it for a missing token as well; RFC 6750 §3.1 would rather
// have no error code there (SHOULD NOT), but one challenge for all 401s is
// what the spec says and what partners' tooling is written against.
const invalidTokenChallenge = `Bearer error="invalid_token"`

// httpError carries what the kind table cannot: the status 405, which has
// no domain kind (a method is HTTP's business, not the domain's), and
// headers a status needs beyond the defaults (Allow, the insufficient_scope
// challenge, the Retry-After of a spent rate limit). Its message is the
// wrapped domain error's.
type httpError struct {
	status int // 0: from the kind table
	header http.Header
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// errorBody is the spec's error body (§4), in the Microsoft Graph style.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	InnerError innerError `json:"innerError"`
}

type innerError struct {
	RequestID string `json:"request-id"`
	Date      string `json:"date"`
}

// WriteError writes err as the spec's JSON error response: the status from
// the domain kind (Invalid 400, Unauthenticated 401, Forbidden 403,
// NotFound 404, Conflict 409, RateLimited 429, Unavailable 503, anything
// else 500) or 405 for an error of MethodNotAllowed, the caller-safe
// message of the domain error, and the request id (reqlog.ID) and date in
// innerError. A 500 carries a fixed message: the error itself, whatever it
// says, only goes to logger, logged with the request's context, so that a
// logger wrapped by reqlog.NewHandler adds the request id. It is the one
// writer of error responses, also for the server's own 404 and 405; a nil
// logger means slog.Default().
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	writeError(w, r, logger, time.Now(), err)
}

func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, now time.Time, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	if err == nil {
		err = errors.New("api: WriteError called with a nil error")
	}
	status, message := describe(err)
	logError(r, logger, status, err)

	h := w.Header()
	var he *httpError
	if errors.As(err, &he) {
		for k, v := range he.header {
			h[k] = slices.Clone(v) // the response may add to it; the error is shared
		}
	}
	switch status {
	case http.StatusUnauthorized:
		if h.Get("WWW-Authenticate") == "" {
			h.Set("WWW-Authenticate", invalidTokenChallenge)
		}
	case http.StatusServiceUnavailable:
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", secusers.RetryAfterUnavailableHeader())
		}
	}
	body := errorBody{Error: errorDetail{
		Code:    statusCode[status],
		Message: message,
		InnerError: innerError{
			RequestID: reqlog.ID(r.Context()),
			Date:      now.UTC().Format(time.RFC3339),
		},
	}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body) // strings and a struct: encoding cannot fail
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// describe returns the status and the client-facing message of err.
func describe(err error) (status int, message string) {
	kind := secusers.KindOf(err)
	status, ok := kindStatus[kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	var he *httpError
	if errors.As(err, &he) && he.status != 0 {
		status = he.status
	}
	if status == http.StatusInternalServerError {
		return status, internalMessage
	}
	message = secusers.MessageOf(err)
	if message == "" {
		message = http.StatusText(status)
	}
	return status, message
}

// logError logs what the response does not say. Client errors are routine
// and the access log line has their status, so they go to debug; faults go
// to error with the full chain, unless the client went away first, which
// explains them.
func logError(r *http.Request, logger *slog.Logger, status int, err error) {
	ctx := r.Context()
	level := slog.LevelDebug
	switch {
	case status < 500:
	case errors.Is(ctx.Err(), context.Canceled):
		level = slog.LevelInfo
	case status == http.StatusServiceUnavailable:
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	logger.LogAttrs(ctx, level, "request failed",
		slog.Int("status", status),
		slog.String("kind", secusers.KindOf(err).String()),
		slog.Any("err", err))
}

// MethodNotAllowed returns the error of a request whose method the path
// does not serve, which WriteError writes as the spec's 405 (§4) with
// message and, when allow names any, an Allow header of those methods.
// Without allow, WriteError leaves Allow as the caller set it (ServeMux
// sets it before the server's fallback writes its 405).
func MethodNotAllowed(message string, allow ...string) error {
	e := &httpError{status: http.StatusMethodNotAllowed, err: secusers.Errorf(secusers.Invalid, "%s", message)}
	if len(allow) > 0 {
		e.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
	}
	return e
}

// errMethodNotAllowed is the error of any method but GET (spec §1).
var errMethodNotAllowed = MethodNotAllowed("this endpoint allows only the method GET", http.MethodGet)

// insufficientScope is the 403 of a token or app without the permission,
// with the RFC 6750 challenge naming the scope the client must ask for.
func insufficientScope() error {
	return &httpError{
		header: http.Header{"Www-Authenticate": {`Bearer error="insufficient_scope", scope="` + secusers.PermissionReadUsers + `"`}},
		err: secusers.Errorf(secusers.Forbidden,
			"the app or its access token lacks the permission %s", secusers.PermissionReadUsers),
	}
}
