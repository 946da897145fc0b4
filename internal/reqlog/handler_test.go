package reqlog

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// inRequest is a context as Middleware gives a handler, with the id.
func inRequest(id string) context.Context {
	return context.WithValue(context.Background(), ctxKey{}, &info{id: id})
}

func TestHandler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		log    func(l *slog.Logger)
		wantID string // the requestId wanted on the line; "" for none
		want   map[string]any
	}{
		{"in a request", func(l *slog.Logger) { l.ErrorContext(inRequest("r-1"), "boom", "err", "disk") },
			"r-1", map[string]any{"msg": "boom", "err": "disk"}},
		{"outside a request", func(l *slog.Logger) { l.ErrorContext(context.Background(), "boom") },
			"", map[string]any{"msg": "boom"}},
		{"without a context", func(l *slog.Logger) { l.Warn("plain") },
			"", map[string]any{"msg": "plain"}},
		{"through With", func(l *slog.Logger) { l.With("component", "x").InfoContext(inRequest("r-2"), "hi") },
			"r-2", map[string]any{"msg": "hi", "component": "x"}},
		{"wrapped twice", func(l *slog.Logger) { slog.New(NewHandler(l.Handler())).InfoContext(inRequest("r-3"), "hi") },
			"r-3", map[string]any{"msg": "hi"}},
		{"through LogAttrs", func(l *slog.Logger) {
			l.LogAttrs(inRequest("r-4"), slog.LevelInfo, "attrs", slog.Int("status", 500))
		}, "r-4", map[string]any{"msg": "attrs", "status": float64(500)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tc.log(slog.New(NewHandler(slog.NewJSONHandler(&buf, nil))))
			line := decodeLine(t, buf.String())
			if got, want := strings.Count(buf.String(), `"`+idKey+`"`), min(len(tc.wantID), 1); got != want {
				t.Errorf("the line has %s %d times, want %d: %s", idKey, got, want, buf.String())
			}
			if tc.wantID != "" && line[idKey] != tc.wantID {
				t.Errorf("%s: got %v, want %q", idKey, line[idKey], tc.wantID)
			}
			for k, want := range tc.want {
				if line[k] != want {
					t.Errorf("%s: got %v, want %v", k, line[k], want)
				}
			}
		})
	}
}

// TestHandlerEnabled checks that the wrapper keeps the wrapped handler's
// level: it must not turn on lines the configuration turned off.
func TestHandlerEnabled(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	l.InfoContext(inRequest("r-1"), "quiet")
	if buf.Len() != 0 {
		t.Errorf("an info line got through a warn handler: %s", buf.String())
	}
	l.WarnContext(inRequest("r-1"), "loud")
	if line := decodeLine(t, buf.String()); line["msg"] != "loud" || line[idKey] != "r-1" {
		t.Errorf("got %s, want the warn line with the id", buf.String())
	}
}

// TestHandlerWithMiddleware logs from a handler behind Middleware through a
// wrapped logger, as the server does: the handler's line has the request's
// id, and the access line, logged through the same logger, has it once.
func TestHandlerWithMiddleware(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	h := Middleware(logger, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		logger.WarnContext(r.Context(), "deep")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	id := rec.Header().Get(RequestIDHeader)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want the handler's and the access line:\n%s", len(lines), buf.String())
	}
	for i, msg := range []string{"deep", "request"} {
		line := decodeLine(t, lines[i])
		if line["msg"] != msg || line[idKey] != id || strings.Count(lines[i], `"`+idKey+`"`) != 1 {
			t.Errorf("line %d: got %s, want %q with %s %q once", i, lines[i], msg, idKey, id)
		}
	}
}

func decodeLine(t *testing.T, s string) map[string]any {
	t.Helper()
	var line map[string]any
	if err := json.Unmarshal([]byte(s), &line); err != nil {
		t.Fatalf("log line %q: %v", s, err)
	}
	return line
}
