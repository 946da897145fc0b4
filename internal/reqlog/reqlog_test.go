package reqlog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		clientReqID  string
		wantEchoed   string
		handlerWrite bool
	}{
		{"echoes a client request id", "abc-123", "abc-123", true},
		{"no client request id", "", "", true},
		{"refuses a control character", "a\x01b", "", true},
		{"refuses an oversized one", strings.Repeat("x", maxClientRequestID+1), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			var seenID string
			h := Middleware(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seenID = ID(r.Context())
				SetClientID(r.Context(), "client-1")
				if tc.handlerWrite {
					w.WriteHeader(http.StatusTeapot)
					w.Write([]byte("hi"))
				}
			}))
			req := httptest.NewRequest(http.MethodGet, "/x?secret=1", nil)
			req.RemoteAddr = "[2001:db8::7]:4711"
			if tc.clientReqID != "" {
				req.Header.Set(ClientRequestIDHeader, tc.clientReqID)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			id := rec.Header().Get(RequestIDHeader)
			if id == "" || id != seenID {
				t.Fatalf("request-id header %q, handler saw %q: want the same non-empty id", id, seenID)
			}
			if got := rec.Header().Get(ClientRequestIDHeader); got != tc.wantEchoed {
				t.Errorf("client-request-id: got %q, want %q", got, tc.wantEchoed)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log line %q: %v", logs.String(), err)
			}
			wantStatus := float64(http.StatusTeapot)
			if !tc.handlerWrite {
				wantStatus = http.StatusOK
			}
			for k, want := range map[string]any{"requestId": id, "clientId": "client-1", "method": "GET", "path": "/x", "status": wantStatus, "remoteIp": "2001:db8::7"} {
				if line[k] != want {
					t.Errorf("log %s: got %v, want %v", k, line[k], want)
				}
			}
			if _, ok := line["durationMs"]; !ok {
				t.Error("log line has no durationMs")
			}
			if strings.Contains(logs.String(), "secret=1") {
				t.Error("the log line carries the query string")
			}
		})
	}
}

func TestOutsideARequest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	if ID(ctx) != "" {
		t.Error("an id outside a request")
	}
	SetClientID(ctx, "x") // must not panic
}

func TestRemoteIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ remoteAddr, want string }{
		{"192.0.2.1:4711", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"203.0.113.9:0", "203.0.113.9"}, // a client behind a trusted proxy
		{"@", "@"},                       // not a TCP peer: as it is
	} {
		if got := remoteIP(tc.remoteAddr); got != tc.want {
			t.Errorf("remoteIP(%q): got %q, want %q", tc.remoteAddr, got, tc.want)
		}
	}
}
