package fakegraph

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// graphError is an error answer of a Graph read, written in Graph's shape:
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
type graphError struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration // > 0 adds Retry-After
}

func badRequest(code, message string) *graphError {
	return &graphError{status: http.StatusBadRequest, code: code, message: message}
}

// unauthenticated is Graph's 401 for a missing or unusable access token.
func unauthenticated(message string) *graphError {
	return &graphError{status: http.StatusUnauthorized, code: "InvalidAuthenticationToken", message: message}
}

type innerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

type graphErrorBody struct {
	Error struct {
		Code       string     `json:"code"`
		Message    string     `json:"message"`
		InnerError innerError `json:"innerError"`
	} `json:"error"`
}

// writeGraphError writes e for the request whose ids are in rq.
func (rq *request) writeGraphError(e *graphError) {
	h := rq.w.Header()
	h.Set("Content-Type", "application/json")
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	if e.status == http.StatusUnauthorized {
		// What Graph challenges with, so clients that parse it find it.
		h.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	var body graphErrorBody
	body.Error.Code, body.Error.Message = e.code, e.message
	body.Error.InnerError = innerError{
		Date:            rq.s.now().UTC().Format("2006-01-02T15:04:05"),
		RequestID:       rq.requestID,
		ClientRequestID: rq.clientRequestID,
	}
	rq.answer(e.status)
	_ = json.NewEncoder(rq.w).Encode(body)
}

// entraError is an error answer of the token endpoint in Entra's shape.
type entraError struct {
	status      int
	code        string // the OAuth error: invalid_client, invalid_request…
	aadsts      int    // the AADSTS number that prefixes the description
	description string
	retryAfter  time.Duration
}

func (e *entraError) Error() string { return e.code + ": " + e.description }

type entraErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// writeEntraError writes e as Entra does: the AADSTS code leads the
// description, which ends with the trace and correlation ids and time.
func (rq *request) writeEntraError(e *entraError) {
	now := rq.s.now().UTC()
	stamp := now.Format("2006-01-02 15:04:05Z")
	code := strconv.Itoa(e.aadsts)
	body := entraErrorBody{
		Error: e.code,
		ErrorDescription: "AADSTS" + code + ": " + e.description + " Trace ID: " + rq.requestID +
			" Correlation ID: " + rq.clientRequestID + " Timestamp: " + now.Format("2006-01-02 15:04:05.0000000Z"),
		ErrorCodes:    []int{e.aadsts},
		Timestamp:     stamp,
		TraceID:       rq.requestID,
		CorrelationID: rq.clientRequestID,
		ErrorURI:      "https://login.microsoftonline.com/error?code=" + code,
	}
	h := rq.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	rq.answer(e.status)
	_ = json.NewEncoder(rq.w).Encode(body)
}
