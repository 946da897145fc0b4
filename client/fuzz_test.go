package client

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The SDK parses what a server sends it, and --api may name any server:
// these fuzz targets hold its parsers of responses to never panic and to
// keep their promises on any input.

// FuzzParseRetryAfter: any Retry-After header gives a wait from 0 to a day.
func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{"", "0", "1", "-1", "86401", "9999999999999999999", "Sun, 29 Nov 2026 06:00:05 GMT",
		"Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", " 5 ", "1e3", "0x10"} {
		f.Add(seed)
	}
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d := parseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %v, want ≥ 0", v, d)
		}
		if _, err := http.ParseTime(strings.TrimSpace(v)); err != nil && d > 24*time.Hour {
			t.Fatalf("parseRetryAfter(%q) = %v, want at most a day for seconds", v, d)
		}
	})
}

// FuzzAPIError: any error body gives an *APIError whose text is one
// printable line that says the status.
func FuzzAPIError(f *testing.F) {
	for _, seed := range []string{
		``, `<html>502</html>`, `{"error":{"code":"NotFound","message":"customer x has no tenant y","innerError":{"request-id":"r","date":"2026-11-29T06:00:00Z"}}}`,
		`{"error":{"code":"X","message":"\u001b[2J\u202e"}}`, `{"error":null}`, `[]`, `{"error":{"code":1}}`,
	} {
		f.Add(seed, 404)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		if status < 100 || status > 599 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"3"}}}
		e := newAPIError(resp, []byte(body), time.Now())
		if e.StatusCode != status {
			t.Fatalf("status %d, want %d", e.StatusCode, status)
		}
		msg := e.Error()
		if strings.ContainsFunc(msg, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
			t.Fatalf("Error() = %q holds control or format characters", msg)
		}
	})
}

// FuzzUserJSON: any JSON either fails to decode as a user or decodes to one
// that encodes and decodes again to itself.
func FuzzUserJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"id":"x","status":13,"startDate":1764396000000}`, `{"status":-1}`, `{"status":65536}`,
		`{"startDate":-62135596800001}`, `{"displayName":"\u202eevil","status":1.5}`, `null`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var u User
		if json.Unmarshal([]byte(in), &u) != nil {
			return
		}
		out, err := json.Marshal(u)
		if err != nil {
			t.Fatalf("Marshal of a decoded user: %v", err)
		}
		var again User
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("the user's own JSON %s does not decode: %v", out, err)
		}
		if again != u {
			t.Fatalf("round trip changed the user:\n%+v\n%+v", u, again)
		}
	})
}

// FuzzChangeJSON: any JSON either fails to decode as a change or decodes
// to one that encodes and decodes again to itself.
func FuzzChangeJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"id":"5-1","time":"2026-11-29T06:00:00.123Z","status":3,"name":"HighRisk","change":"added"}`,
		`{"time":"2026-11-29T07:00:00+01:00","status":15,"change":"removed"}`, `{"time":"0001-01-01T00:00:00Z","status":-1,"change":"added"}`,
		`{"time":"9999-12-31T23:59:59.999999999-23:59","status":0,"change":"removed","displayName":"\u202e"}`, `null`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var ch Change
		if json.Unmarshal([]byte(in), &ch) != nil {
			return
		}
		out, err := json.Marshal(ch)
		if err != nil {
			t.Fatalf("Marshal of a decoded change: %v", err)
		}
		var again Change
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("the change's own JSON %s does not decode: %v", out, err)
		}
		if !again.Time.Equal(ch.Time) {
			t.Fatalf("round trip changed the time: %v, then %v", ch.Time, again.Time)
		}
		again.Time = ch.Time
		if again != ch {
			t.Fatalf("round trip changed the change:\n%+v\n%+v", ch, again)
		}
	})
}

// FuzzHistoryJSON: any JSON either fails to decode as a history or decodes
// to one whose every point counts every status the SDK knows.
func FuzzHistoryJSON(f *testing.F) {
	for _, seed := range []string{
		`{"data":[{"date":"2026-12-02","securityUsers":412,"counts":{"MFADisabled":120,"HighRisk":3,"Future":1,"7":2}}],"metadata":{"from":"2026-11-03","to":"2026-12-02"}}`,
		`{"data":[],"metadata":{"from":"2026-02-30","to":""}}`, `{"data":[{"date":"x"}]}`, `{}`, `null`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var h History
		if json.Unmarshal([]byte(in), &h) != nil {
			return
		}
		for _, p := range h.Points {
			if len(p.Counts) != NumStatuses {
				t.Fatalf("%s: a point with %d counts, want %d", in, len(p.Counts), NumStatuses)
			}
		}
	})
}
