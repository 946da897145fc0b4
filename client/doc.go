// Package client is the Go SDK of the partner API "Get Overview Security
// Users": it lists the users of a customer's Microsoft 365 tenant that have
// a security finding (no MFA, blocked sign-in, an expired password, risk, a
// non-compliant device, inactivity, pending deletion, or a test account),
// and reads a tenant's history and the changes of those findings.
//
// A Client gets its own OAuth2 access tokens (client credentials with a
// client secret, or private_key_jwt with a certificate), keeps them until
// shortly before they expire, retries what is worth retrying, and turns
// every failure into a typed error:
//
//	c, err := client.New(client.Config{
//		BaseURL:      "https://secusers.example.com",
//		ClientID:     os.Getenv("SECUSERS_CLIENT_ID"),
//		ClientSecret: os.Getenv("SECUSERS_CLIENT_SECRET"),
//	})
//	...
//	for u, err := range c.AllSecurityUsers(ctx, customerID, tenantID, client.PageOptions{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(u.UserPrincipalName, u.Status)
//	}
//
// # History and changes
//
// History returns a tenant's counts per UTC day. Changes reads the feed of
// statuses added to and removed from users, of one tenant or of every
// tenant in the app's customer scope, as an iterator that follows nextLink
// and ends at the deltaLink; keep its ChangesResult's DeltaLink and pass it
// back to read only what happened after:
//
//	changes, res := c.Changes(ctx, client.ChangesQuery{DeltaLink: saved})
//	for ch, err := range changes {
//		if err != nil {
//			return err
//		}
//		fmt.Println(ch.UserPrincipalName, ch.Change(), ch.Status)
//	}
//	saved = res.DeltaLink()
//
// # Errors
//
// A response other than 2xx is an *APIError, and a refusal of the token
// endpoint a *TokenError. Test for a kind of failure with errors.Is and the
// sentinels (ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound,
// ErrTooManyRequests, ErrUnavailable, ErrInvalidClient, ErrInvalidScope,
// ErrForeignNextLink), which keeps the common question a one-liner and
// still works through any wrapping; use errors.As to read the details (the
// request id to quote to support, the server's message, Retry-After):
//
//	if errors.Is(err, client.ErrNotFound) { … }
//	var apiErr *client.APIError
//	if errors.As(err, &apiErr) { log.Print(apiErr.RequestID) }
//
// # Redirects
//
// The client follows no redirect, from the API or the token endpoint,
// neither of which redirects: following one could carry the bearer token
// or the client's credential to another host. A 3xx answer is an *APIError
// or a *TokenError with its status, whose message names where it pointed.
//
// # Retries
//
// The API requests are GETs, and a token request creates nothing on the
// server (it only issues a token), so both are safe to repeat; what is
// retried is what can succeed later: 429 and 503 after their Retry-After,
// and network errors, 502 and 504 (and a 503 without Retry-After) with
// exponential backoff and jitter. Other 4xx answers are final. A 401 with
// a token the client had cached (the server restarted with new keys, or
// an administrator rotated them) makes the client drop the token and try
// once more with a new one.
//
// Every wait ends with the caller's context. A wait that would outlast the
// context's deadline is not begun: the server's answer (the 429 or 503
// *APIError) is returned at once, which says more than
// context.DeadlineExceeded would. A context cancelled during a wait ends
// it with an error that wraps both context.Canceled and the answer that
// was being waited out.
package client
