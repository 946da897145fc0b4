// Package graph is a small, direct Microsoft Graph v1.0 client for the six
// reads the sync needs (sync.md): an app-only token from the login endpoint
// (client secret or certificate), paged reads that follow @odata.nextLink,
// retries after Retry-After or with backoff and jitter, and a per-tenant
// bound on concurrent requests. The full generated Graph SDK would cost far
// more to build than six reads are worth.
package graph
