package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// maxRenewEarly is how long before its expiry a token is renewed at most:
// a request sent with a token about to expire could reach the server after
// it has, and clocks differ by seconds. Short-lived tokens are renewed a
// quarter of their life early instead, so that they are still reused.
const maxRenewEarly = time.Minute

// fetcher gets a new access token with one request to the token endpoint.
// It takes the caller's context, which is why the cache below is the
// SDK's own rather than oauth2.ReuseTokenSource: a TokenSource fetches
// with the context it was made with, so a caller's deadline or
// cancellation could not stop a slow token endpoint, and it has no way to
// drop a token the API refused.
type fetcher func(ctx context.Context) (*oauth2.Token, error)

// tokenCache keeps one access token and renews it before it expires.
// Concurrent callers that find no usable token share one fetch, and its
// result: when it fails, the callers that waited for it get its error
// rather than each asking again, which is what a token endpoint answering
// 429 needs least.
type tokenCache struct {
	fetch fetcher
	sem   chan struct{} // held by the one caller fetching

	mu      sync.Mutex
	cached  string
	renewAt time.Time
	fetches uint64 // fetches finished, to tell a waiter one finished while it waited
	lastErr error  // the error of the last fetch finished, nil when it succeeded
}

func newTokenCache(fetch fetcher) *tokenCache {
	return &tokenCache{fetch: fetch, sem: make(chan struct{}, 1)}
}

// current returns the cached token while it is fresh enough to use, and
// how many fetches have finished.
func (c *tokenCache) current() (string, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usable(), c.fetches
}

// usable returns the cached token while it is fresh enough to use; c.mu
// is held.
func (c *tokenCache) usable() string {
	if c.cached != "" && time.Now().Before(c.renewAt) {
		return c.cached
	}
	return ""
}

// token returns a usable token and whether it was fetched by this call.
func (c *tokenCache) token(ctx context.Context) (string, bool, error) {
	t, seen := c.current()
	if t != "" {
		return t, false, nil
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
	defer func() { <-c.sem }()
	if t, err := c.shared(seen); t != "" || err != nil {
		return t, false, err
	}
	start := time.Now()
	tok, err := c.fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		err = tokenError(ctx, err)
		if ctx.Err() == nil {
			// Only the endpoint's failure is shared: this caller's
			// context ending says nothing to the others, which fetch
			// themselves.
			c.fetches++
			c.lastErr = err
		}
		return "", false, err
	}
	c.fetches++
	c.cached, c.renewAt, c.lastErr = tok.AccessToken, renewTime(start, tok.Expiry), nil
	return c.cached, true, nil
}

// shared returns the result of the fetch that finished while the caller
// waited, if one did (the fetch count is no longer seen): its token while
// still usable, or its error. It returns "" and nil when the caller must
// fetch: no fetch finished meanwhile, or its token was dropped since.
func (c *tokenCache) shared(seen uint64) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.usable(); t != "" {
		return t, nil
	}
	if c.fetches != seen {
		return "", c.lastErr
	}
	return "", nil
}

// renewTime is when a token fetched at start and expiring at expiry is
// renewed. A token without expires_in is kept until the API refuses it.
func renewTime(start, expiry time.Time) time.Time {
	if expiry.IsZero() {
		return start.Add(100 * 365 * 24 * time.Hour)
	}
	return expiry.Add(-min(maxRenewEarly, expiry.Sub(start)/4))
}

// invalidate drops token if it is still the cached one; a caller that
// renewed it meanwhile keeps its new token.
func (c *tokenCache) invalidate(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cached == token {
		c.cached = ""
	}
}

// tokenError turns what oauth2 returns into the SDK's errors: the token
// endpoint's refusal becomes a *TokenError, a failed exchange a
// *networkError, which is retried.
func tokenError(ctx context.Context, err error) error {
	var re *oauth2.RetrieveError
	var ue *url.Error
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &re) && re.Response != nil && isRedirect(re.Response.StatusCode):
		// Whatever error code the body of a redirect names, it is not the
		// token endpoint's answer.
		return &TokenError{StatusCode: re.Response.StatusCode, Description: redirectRefused(re.Response)}
	case errors.As(err, &re):
		e := &TokenError{Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			e.StatusCode = re.Response.StatusCode
			e.RetryAfter = parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
		if e.Code == "" && e.Description == "" {
			e.Description = http.StatusText(e.StatusCode)
		}
		return e
	case errors.As(err, &ue):
		return &networkError{fmt.Errorf("getting a token: %w", err)}
	}
	return fmt.Errorf("client: getting a token: %w", err)
}

// newFetcher returns the fetcher of cfg's credential.
func newFetcher(cfg Config, hc *http.Client) (fetcher, error) {
	withClient := func(ctx context.Context) context.Context {
		return context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	switch {
	case cfg.ClientSecret != "" && (cfg.Certificate != nil || cfg.PrivateKey != nil):
		return nil, errors.New("client: give either ClientSecret or Certificate and PrivateKey, not both")
	case cfg.ClientSecret != "":
		cc := &clientcredentials.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL, Scopes: cfg.Scopes,
			// One style, not auto-detection, which would spend a second
			// request on every refusal.
			AuthStyle: oauth2.AuthStyleInParams,
		}
		return func(ctx context.Context) (*oauth2.Token, error) { return cc.Token(withClient(ctx)) }, nil
	case cfg.Certificate != nil && cfg.PrivateKey != nil:
		signer, err := newAssertionSigner(cfg.ClientID, cfg.TokenURL, cfg.Certificate, cfg.PrivateKey)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (*oauth2.Token, error) {
			assertion, err := signer.sign(time.Now())
			if err != nil {
				return nil, err
			}
			// A Config per token: each carries a new assertion, since the
			// server refuses one it has seen (its jti) before.
			cc := &clientcredentials.Config{
				ClientID: cfg.ClientID, TokenURL: cfg.TokenURL, Scopes: cfg.Scopes,
				AuthStyle: oauth2.AuthStyleInParams,
				EndpointParams: url.Values{
					"client_assertion_type": {clientAssertionType},
					"client_assertion":      {assertion},
				},
			}
			return cc.Token(withClient(ctx))
		}, nil
	}
	return nil, errors.New("client: a credential is required: ClientSecret, or Certificate and PrivateKey")
}
