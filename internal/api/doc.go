// Package api serves the partner API: the security-users endpoint of
// shared/spec/security-users-api.md (§1–§4) and the one error writer every
// HTTP response of the service goes through.
//
// A request passes a short pipeline of steps (authenticate, authorize, parse,
// resolve the tenant, check the customer scope) before the store is asked for
// the page. Each step either fills in the request's state or returns an
// error, and WriteError turns that error into the spec's JSON body. Checks
// that come later (per-app rate limits, cursors) are further steps.
package api
