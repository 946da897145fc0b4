package client

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ScopeUsersRead is the permission the security-users endpoint requires.
const ScopeUsersRead = "partner.um.user.read.all"

// TokenPath is where the token endpoint is, relative to the service's
// base URL.
const TokenPath = "/connect/token"

// maxResponseBytes bounds what the client reads of one answer: a page of
// 1000 users is well under a megabyte, so anything far larger is not the
// API talking.
const maxResponseBytes = 32 << 20

// defaultTimeout bounds one HTTP exchange when the caller brings no
// http.Client of its own; the caller's context bounds the whole call.
const defaultTimeout = time.Minute

// Config configures a Client. BaseURL, ClientID and one credential (a
// ClientSecret, or a Certificate with its PrivateKey) are required.
type Config struct {
	// BaseURL is the service's base URL, such as
	// "https://secusers.example.com". The API's paths are appended to it,
	// and a nextLink must point at its host.
	BaseURL string
	// TokenURL is the OAuth2 token endpoint; BaseURL + "/connect/token"
	// when "".
	TokenURL string
	// ClientID is the app registration's client id.
	ClientID string
	// ClientSecret is one of the app's client secrets (sent as
	// client_secret_post). Leave it "" to authenticate with a certificate.
	ClientSecret string
	// Certificate is a certificate registered to the app, and PrivateKey
	// its private key (RSA, or ECDSA on P-256): the client then
	// authenticates with private_key_jwt (RFC 7523), signing a fresh client
	// assertion for each token. PrivateKey may be any crypto.Signer, such
	// as a key held in an HSM or a cloud KMS. See LoadCertificate.
	Certificate *x509.Certificate
	PrivateKey  crypto.Signer
	// Scopes are the permissions to ask for; [ScopeUsersRead] when empty,
	// so that a token carries no more than this client needs.
	Scopes []string
	// HTTPClient sends the requests, to the API and the token endpoint;
	// an http.Client with a one-minute timeout when nil. The Client uses a
	// copy of it that follows no redirects, whatever its CheckRedirect
	// says: see New.
	HTTPClient *http.Client
	// UserAgent identifies the caller's program in the server's logs; it
	// is sent before the SDK's own product token.
	UserAgent string
	// MaxRetries is how many times one call is retried after its first
	// attempt: DefaultMaxRetries when 0, none when negative.
	MaxRetries int
	// MaxRetryWait is the longest Retry-After the client waits for;
	// DefaultMaxRetryWait when 0. A longer one is returned as the error.
	MaxRetryWait time.Duration
}

// sdkAgent is the SDK's product token in User-Agent.
const sdkAgent = "secusers-go-client/1"

// Client calls the API. It is safe for concurrent use, and meant to be
// made once and kept: it caches its access token.
type Client struct {
	base       *url.URL
	hc         *http.Client
	tokens     *tokenCache
	userAgent  string
	maxRetries int
	maxWait    time.Duration
}

// New returns a Client for cfg. It checks the configuration but makes no
// request: the first call gets the first token.
//
// The Client follows no redirects. Neither the API nor the token endpoint
// redirects, and following one would send secrets elsewhere: net/http
// resends a token request's body (the client secret or assertion) on a 307
// or 308 to any host, and keeps the Authorization header on a redirect to
// another port or scheme of the same host, or to a subdomain. A 3xx answer
// is returned as an *APIError or a *TokenError with its status instead.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("client: ClientID is required")
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = strings.TrimSuffix(base.String(), "/") + TokenPath
	} else if u, err := url.Parse(cfg.TokenURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("client: TokenURL must be an absolute http or https URL, got %q", cfg.TokenURL)
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{ScopeUsersRead}
	}
	c := &Client{base: base, hc: noRedirects(cfg.HTTPClient), maxRetries: cfg.MaxRetries, maxWait: cfg.MaxRetryWait}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxRetryWait
	}
	c.userAgent = sdkAgent
	if cfg.UserAgent != "" {
		c.userAgent = cfg.UserAgent + " " + sdkAgent
	}
	fetch, err := newFetcher(cfg, c.hc)
	if err != nil {
		return nil, err
	}
	c.tokens = newTokenCache(fetch)
	return c, nil
}

// noRedirects returns a shallow copy of hc (or of the default client when
// nil) that returns a redirect as the answer rather than following it. A
// copy, so that the caller's client keeps its own policy for its other
// uses.
func noRedirects(hc *http.Client) *http.Client {
	c := http.Client{Timeout: defaultTimeout}
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// isRedirect reports whether status is one net/http would follow, and
// which noRedirects makes the answer instead.
func isRedirect(status int) bool {
	return status >= 300 && status < 400
}

// parseBaseURL checks BaseURL and returns it without a trailing slash.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: BaseURL must be an absolute http or https URL without query, such as https://secusers.example.com, got %q", raw)
	}
	return u, nil
}

// get sends GET target (an absolute URL) and decodes the JSON answer into
// v, retrying as the package documentation describes. One
// client-request-id is sent with every attempt, so the server's logs show
// the retries of one call together.
func (c *Client) get(ctx context.Context, target string, v any) error {
	requestID := uuid.NewString()
	reauthenticated := false
	for retries := 0; ; {
		tok, fresh, err := c.tokens.token(ctx)
		if err == nil {
			err = c.send(ctx, target, tok, requestID, v)
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized && !fresh && !reauthenticated {
				// The token was good when cached: the server's keys
				// changed (a restart, a rotation). A new token fixes it;
				// a second 401 would not be fixed by a third.
				c.tokens.invalidate(tok)
				reauthenticated = true
				continue
			}
		}
		if err == nil {
			return nil
		}
		wait, ok := c.retryWait(ctx, err, retries)
		if !ok {
			return err
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%w (while waiting to retry after: %w)", serr, err)
		}
		retries++
	}
}

// retryWait says whether err is worth another attempt and how long to
// wait before it.
func (c *Client) retryWait(ctx context.Context, err error, retries int) (time.Duration, bool) {
	if retries >= c.maxRetries || ctx.Err() != nil {
		return 0, false
	}
	var wait time.Duration
	var apiErr *APIError
	var tokErr *TokenError
	var netErr *networkError
	switch {
	case errors.As(err, &apiErr) && apiErr.retryable():
		wait = apiErr.RetryAfter
	case errors.As(err, &tokErr) && tokErr.retryable():
		wait = tokErr.RetryAfter
	case errors.As(err, &netErr):
	default:
		return 0, false
	}
	if wait > c.maxWait {
		return 0, false
	}
	if wait == 0 {
		wait = backoff(retries)
	}
	return wait, fitsDeadline(ctx, wait)
}

// networkError is a failure to exchange a request and answer at all: a
// refused or reset connection, a timeout. It is worth a retry.
type networkError struct{ err error }

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// send makes one attempt.
func (c *Client) send(ctx context.Context, target, token, requestID string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("client-request-id", requestID)
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &networkError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &networkError{fmt.Errorf("reading the answer of %s: %w", redact(target), err)}
	}
	if isRedirect(resp.StatusCode) {
		return &APIError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("request-id"), Message: redirectRefused(resp)}
	}
	if resp.StatusCode != http.StatusOK {
		return newAPIError(resp, body, time.Now())
	}
	if len(body) > maxResponseBytes {
		return fmt.Errorf("client: the answer of %s is larger than %d bytes", redact(target), maxResponseBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("client: decoding the answer of %s (request-id %s): %w", redact(target), resp.Header.Get("request-id"), err)
	}
	return nil
}

// redact returns the URL's path without its query, which is all an error
// message needs and keeps skip tokens out of logs.
func redact(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.Path
	}
	return "the request"
}

// checkLink returns a link the server sent (what names it: nextLink,
// deltaLink) as the URL to request, or an error when it is not absolute or
// leaves the BaseURL's scheme, host or port (ErrForeignNextLink): the
// request carries the bearer token, which must go nowhere else.
func (c *Client) checkLink(what, link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return "", fmt.Errorf("client: %s %q is not an absolute URL", what, link)
	}
	if !c.sameOrigin(u) {
		return "", fmt.Errorf("client: %w: %s://%s is not the API's %s://%s", ErrForeignNextLink, u.Scheme, u.Host, c.base.Scheme, c.base.Host)
	}
	return u.String(), nil
}

// sameOrigin reports whether u is on the base URL's scheme, host and port,
// the check that keeps a nextLink from sending the bearer token elsewhere.
func (c *Client) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && hostPort(u) == hostPort(c.base)
}

// hostPort returns the URL's lower-case host with its port made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
