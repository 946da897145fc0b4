// Package graph is a small, direct Microsoft Graph v1.0 client for the six
// reads the sync needs (sync.md): an app-only token from the login endpoint
// (client secret or certificate), paged reads that follow @odata.nextLink,
// retries after Retry-After or with backoff and jitter, and a per-tenant
// bound on concurrent requests. The full generated Graph SDK would cost far
// more to build than six reads are worth.
//
// A Client serves one tenant. Each read (Domains, Users, …) is an
// iter.Seq2 that fetches a page only when the previous one has been
// consumed, so a run over a 1,000,000-user tenant holds one page at a time.
// An error ends a read: an *Error when Graph refused it (IsUnlicensed tells
// the reads a tenant may lack from those that must succeed), a *TokenError
// when the login endpoint did, or the context's error.
//
// The token request and its response are golang.org/x/oauth2's
// (clientcredentials); the client assertion of a certificate is an RS256 JWT
// signed with go-jose. Secrets never appear in errors, fmt output or logs.
package graph
