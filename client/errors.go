package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// The kinds of failure, for errors.Is. An *APIError matches the sentinel
// of its HTTP status and a *TokenError the sentinel of its OAuth2 error
// code, so callers branch on the kind without a type assertion and read
// the details, when they want them, with errors.As.
var (
	ErrBadRequest      = errors.New("bad request")              // 400: a parameter is not valid
	ErrUnauthorized    = errors.New("unauthorized")             // 401: the token was refused
	ErrForbidden       = errors.New("forbidden")                // 403: the app may not read this customer
	ErrNotFound        = errors.New("not found")                // 404: no such customer, or tenant of the customer
	ErrTooManyRequests = errors.New("too many requests")        // 429: the app's rate limit is spent
	ErrUnavailable     = errors.New("service unavailable")      // 503: the service cannot answer now
	ErrInvalidClient   = errors.New("invalid client")           // token endpoint: wrong client id, secret or certificate
	ErrInvalidScope    = errors.New("invalid scope")            // token endpoint: a scope the app is not granted
	ErrForeignNextLink = errors.New("nextLink on another host") // a nextLink that leaves the API's host
)

// statusErr maps statuses to their sentinels.
var statusErr = map[int]error{
	http.StatusBadRequest:         ErrBadRequest,
	http.StatusUnauthorized:       ErrUnauthorized,
	http.StatusForbidden:          ErrForbidden,
	http.StatusNotFound:           ErrNotFound,
	http.StatusTooManyRequests:    ErrTooManyRequests,
	http.StatusServiceUnavailable: ErrUnavailable,
}

// APIError is an answer of the API other than 2xx, with what its error body
// (Microsoft Graph style) and headers said.
type APIError struct {
	// StatusCode is the HTTP status, such as 404.
	StatusCode int
	// Code is the error body's code, such as "NotFound"; "" when the
	// answer had no such body (a proxy's error page).
	Code string
	// Message is the server's explanation, meant for a user. It is as the
	// server sent it; Error shows it without control characters.
	Message string
	// RequestID identifies the request in the server's logs: quote it to
	// the service's support.
	RequestID string
	// Date is when the server answered; zero when it did not say.
	Date time.Time
	// RetryAfter is how long the server asked to wait before trying again
	// (429 and 503); 0 when it did not ask.
	RetryAfter time.Duration
}

// Error returns one line: status, code, message and request id. What the
// server wrote goes through printable, since the line ends up on
// terminals and in logs.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the API answered %d", e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	return printable(b.String())
}

// printable makes server text safe to print: control characters, which
// could drive a terminal (escape sequences) or forge log lines, and line
// separators become spaces; format characters (bidi overrides, zero-width
// characters), which could reorder or hide what a reader sees, become
// U+FFFD, so that the reader sees something was there.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			return ' '
		case unicode.Is(unicode.Cf, r):
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// redirectRefused is the message of a 3xx answer, which the client does
// not follow (see New). It names where the answer pointed, without the
// query, which may hold anything: a redirect from http to https is the
// common case, and the fix is the URL it names.
func redirectRefused(resp *http.Response) string {
	msg := "redirects are refused"
	loc, err := resp.Location()
	if err == nil {
		loc.User, loc.RawQuery, loc.Fragment = nil, "", ""
		msg = fmt.Sprintf("redirect to %s refused: the client follows no redirects, check the URL", loc.Redacted())
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) and its kin work.
func (e *APIError) Is(target error) bool {
	return target != nil && statusErr[e.StatusCode] == target
}

// retryable reports whether trying the same request again may succeed.
func (e *APIError) retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// errorBody is the API's error body.
type errorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
			Date      string `json:"date"`
		} `json:"innerError"`
	} `json:"error"`
}

// newAPIError reads an error answer. A body that is not the API's (a load
// balancer's HTML page) still gives the status and headers.
func newAPIError(resp *http.Response, body []byte, now time.Time) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("request-id")}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
		e.Code, e.Message = eb.Error.Code, eb.Error.Message
		if eb.Error.InnerError.RequestID != "" {
			e.RequestID = eb.Error.InnerError.RequestID
		}
		if d, err := time.Parse(time.RFC3339, eb.Error.InnerError.Date); err == nil {
			e.Date = d
		}
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Date.IsZero() {
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			e.Date = d
		}
	}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	return e
}

// TokenError is a refusal of the token endpoint (RFC 6749 §5.2), such as
// "invalid_client" for a wrong client id or secret.
type TokenError struct {
	// StatusCode is the HTTP status of the answer, usually 400 or 401.
	StatusCode int
	// Code is the OAuth2 error code: invalid_client, invalid_scope,
	// invalid_request, unsupported_grant_type, …; "" when the answer had
	// none (a proxy's error page).
	Code string
	// Description is the server's explanation, as it sent it; Error
	// shows it without control characters.
	Description string
	// RetryAfter is how long the server asked to wait (429, 503); 0 when
	// it did not ask.
	RetryAfter time.Duration
}

// Error returns one line: the code and description, through printable.
func (e *TokenError) Error() string {
	msg := "the token endpoint refused: "
	if e.Code != "" {
		msg += e.Code
	} else {
		msg += fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return printable(msg)
}

// Is makes errors.Is(err, ErrInvalidClient) work, and ErrTooManyRequests
// and ErrUnavailable for the token endpoint's own limits.
func (e *TokenError) Is(target error) bool {
	switch e.Code {
	case "invalid_client":
		return target == ErrInvalidClient
	case "invalid_scope":
		return target == ErrInvalidScope
	}
	return target != nil && (target == ErrTooManyRequests || target == ErrUnavailable) && statusErr[e.StatusCode] == target
}

func (e *TokenError) retryable() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}
