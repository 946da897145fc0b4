package graph

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is Graph's refusal of a request: a status other than 200, with the
// code and message of Graph's error body. It is what a read returns (possibly
// wrapped, e.g. after retries) when Graph answered but not with a page.
type Error struct {
	StatusCode int
	Code       string // Graph's error code, e.g. Authorization_RequestDenied
	Message    string // Graph's message, truncated
	RequestID  string // Graph's request-id, for Microsoft support
	Read       string // the Read* name of the read that failed
	// RetryAfter is the wait Graph asked for on a 429 or 503, zero when it
	// did not say.
	RetryAfter time.Duration
}

// Error returns e as one line: the read, the status, Graph's code and
// message, and the request id.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %s: HTTP %d", e.Read, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// IsForbidden reports whether err is Graph's 403: the app lacks the
// permission, or the tenant the licence, for the read.
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden
}

// IsUnlicensed reports whether err says the tenant cannot give this read,
// so the sync marks the statuses that depend on it unavailable instead of
// failing (sync.md "When Graph does not give everything"): a 403, or a 400
// that names signInActivity, or Intune's 400 for a tenant without it
// ("Request not applicable to target tenant"). A missing permission is a
// 403 too and counts the same: the partner's grant decides what we can see.
func IsUnlicensed(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.StatusCode {
	case http.StatusForbidden:
		return true
	case http.StatusBadRequest:
		m := strings.ToLower(e.Message)
		return strings.Contains(m, "signinactivity") || strings.Contains(m, "not applicable to target tenant")
	}
	return false
}

// IsThrottled reports whether err is Graph's 429 or 503, which a Client
// retries by itself; seeing one means the client gave up after MaxTries.
func IsThrottled(err error) bool {
	var e *Error
	return errors.As(err, &e) && throttled(e.StatusCode)
}

func throttled(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// TokenError is the login endpoint's refusal of the token request, or the
// failure to reach it. It never carries the client secret or the response
// body.
type TokenError struct {
	TokenURL    string
	StatusCode  int    // zero when the endpoint did not answer
	Code        string // the OAuth2 error, e.g. invalid_client
	Description string // Entra's description, e.g. "AADSTS7000215: Invalid client secret provided…"
	RetryAfter  time.Duration
	Err         error // the cause when the endpoint did not answer with an OAuth2 error
}

// Error names the token URL (which names the Entra tenant) and the cause.
func (e *TokenError) Error() string {
	s := "token from " + e.TokenURL + ": "
	switch {
	case e.Code != "" && e.Description != "":
		s += e.Code + ": " + e.Description
	case e.Code != "":
		s += e.Code
	case e.StatusCode != 0:
		s += "HTTP " + http.StatusText(e.StatusCode)
	case e.Err != nil:
		s += e.Err.Error()
	}
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	return s
}

// Unwrap returns the cause when the endpoint did not answer.
func (e *TokenError) Unwrap() error { return e.Err }

// netError marks the failure to exchange a request with Graph (connect,
// send, or read the body): worth another try, unlike a malformed page.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// maxMessage bounds the messages kept from Graph and Entra, which end up in
// logs and in the sync's report.
const maxMessage = 1000

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// redact removes secret, as sent and as form-encoded, from s.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, "[redacted]")
	return strings.ReplaceAll(s, url.QueryEscape(secret), "[redacted]")
}
