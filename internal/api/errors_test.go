package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/reqlog"
	"github.com/secusers/secusers/internal/secusers"
)

// TestWriteError checks the kind table and the body through the exported
// writer, as the server's fallback uses it: inside reqlog.Middleware.
func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
		wantHeader map[string]string
	}{
		{"invalid", secusers.Errorf(secusers.Invalid, "x must be y"), 400, "BadRequest", "x must be y", nil},
		{"unauthenticated gets the challenge", secusers.Errorf(secusers.Unauthenticated, "no"), 401, "Unauthorized", "no",
			map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{"forbidden", secusers.Errorf(secusers.Forbidden, "not yours"), 403, "Forbidden", "not yours", nil},
		{"not found, as the server's fallback", secusers.Errorf(secusers.NotFound, "no such resource"), 404, "NotFound", "no such resource", nil},
		{"conflict", secusers.Errorf(secusers.Conflict, "exists"), 409, "Conflict", "exists", nil},
		{"unavailable", secusers.Errorf(secusers.Unavailable, "shutting down"), 503, "ServiceUnavailable", "shutting down",
			map[string]string{"Retry-After": "5"}},
		{"internal hides its message", secusers.Wrap(secusers.Internal, errors.New("disk"), "table x broke"), 500, "InternalServerError", internalMessage, nil},
		{"plain error", errors.New("sql: database is closed"), 500, "InternalServerError", internalMessage, nil},
		{"wrapped domain error keeps its kind", fmt.Errorf("load: %w", secusers.Errorf(secusers.NotFound, "gone")), 404, "NotFound", "gone", nil},
		{"kind without a message", &secusers.Error{Kind: secusers.Forbidden}, 403, "Forbidden", "Forbidden", nil},
		{"unknown kind", &secusers.Error{Kind: secusers.Kind(99), Message: "odd"}, 500, "InternalServerError", internalMessage, nil},
		{"nil error is a fault", nil, 500, "InternalServerError", internalMessage, nil},
		{"method not allowed", errMethodNotAllowed, 405, "MethodNotAllowed", "GET", map[string]string{"Allow": "GET"}},
		{"method not allowed, several", MethodNotAllowed("m", http.MethodGet, http.MethodHead), 405, "MethodNotAllowed", "m",
			map[string]string{"Allow": "GET, HEAD"}},
		{"rate limited", tooManyRequests(7), 429, "TooManyRequests", "retry after 7 seconds", map[string]string{"Retry-After": "7"}},
		{"rate limited, wrapped", fmt.Errorf("limit: %w", tooManyRequests(1)), 429, "TooManyRequests", "retry after 1 seconds",
			map[string]string{"Retry-After": "1"}},
		{"insufficient scope", insufficientScope(), 403, "Forbidden", "partner.um.user.read.all",
			map[string]string{"WWW-Authenticate": `Bearer error="insufficient_scope", scope="partner.um.user.read.all"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs strings.Builder
			logger := slog.New(reqlog.NewHandler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			h := reqlog.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				WriteError(w, r, logger, tt.err)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
			checkCommon(t, rec)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			e := decode[errorResponse](t, rec)
			if e.Error.Code != tt.wantCode || !strings.Contains(e.Error.Message, tt.wantMsg) {
				t.Errorf("code, message: got %q, %q, want %q, containing %q", e.Error.Code, e.Error.Message, tt.wantCode, tt.wantMsg)
			}
			if id := rec.Header().Get(reqlog.RequestIDHeader); e.Error.InnerError.RequestID != id || !strings.Contains(logs.String(), id) {
				t.Errorf("request id: body %q, header %q; the log must have it too:\n%s", e.Error.InnerError.RequestID, id, logs.String())
			}
			if e.Error.InnerError.Date == "" {
				t.Errorf("innerError.date: got none")
			}
			for k, want := range tt.wantHeader {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestWriteErrorNilLogger checks that a nil logger falls back to the
// default one instead of panicking.
func TestWriteErrorNilLogger(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), nil, secusers.Errorf(secusers.NotFound, "x"))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status: got %d, want 404", rec.Code)
	}
}

// TestMethodNotAllowedKeepsAllow checks that a 405 without methods of its
// own keeps the Allow header its caller set, as the server's fallback
// relies on (ServeMux sets Allow before the fallback writes the error),
// and that one with methods replaces it.
func TestMethodNotAllowedKeepsAllow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"caller's Allow kept", MethodNotAllowed("m"), "POST"},
		{"error's Allow wins", MethodNotAllowed("m", http.MethodGet), "GET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			rec.Header().Set("Allow", "POST")
			WriteError(rec, httptest.NewRequest(http.MethodPut, "/", nil), slog.New(slog.DiscardHandler), tc.err)
			if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.want {
				t.Errorf("got %d with Allow %q, want 405 with Allow %q", rec.Code, rec.Header().Get("Allow"), tc.want)
			}
		})
	}
}
