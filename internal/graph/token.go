package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenCache holds the app-only token of a Client and renews it shortly
// before it expires, or at once when Graph refuses it (invalidate).
//
// It stands in for oauth2.ReuseTokenSource, which the x/oauth2 client
// credentials flow would otherwise wrap around each fetch, for two reasons:
// that source's Token has no context, so a renewal started by a run could
// not be cancelled with the run, and requests queued behind it could not
// give up; and it cannot drop a token Graph has refused. The token request
// itself, its form, its response and its errors, remain x/oauth2's.
type tokenCache struct {
	conf      clientcredentials.Config // one per Client; EndpointParams unset
	assertion *assertionSigner         // nil with a client secret
	secret    string                   // to redact it from errors
	http      *http.Client
	now       func() time.Time

	// lock is held (a value sent) while the cache is read or renewed, so
	// one renewal runs at a time and every waiter can give up on its ctx.
	lock    chan struct{}
	tok     *oauth2.Token
	renewAt time.Time // in now's frame; zero: until Graph refuses it
}

func newTokenCache(cfg Config, graphURL, loginURL *url.URL) (*tokenCache, error) {
	tokenURL := loginURL.JoinPath(cfg.EntraTenantID, "oauth2", "v2.0", "token").String()
	t := &tokenCache{
		conf: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			Scopes:       []string{graphURL.String() + "/.default"},
			// Entra takes the credentials in the form; without this,
			// x/oauth2 would first try Basic authentication and fail.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		secret: cfg.ClientSecret,
		http:   cfg.HTTPClient,
		now:    cfg.Now,
		lock:   make(chan struct{}, 1),
	}
	if cfg.ClientSecret == "" {
		a, err := newAssertionSigner(cfg.Certificate, cfg.PrivateKey, cfg.ClientID, tokenURL, cfg.Now)
		if err != nil {
			return nil, err
		}
		t.assertion = a
	}
	return t, nil
}

// token returns a valid token, fetching one when there is none or the one
// held is about to expire.
func (t *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	if err := t.acquire(ctx); err != nil {
		return nil, err
	}
	defer t.release()
	if t.tok != nil && (t.renewAt.IsZero() || t.now().Before(t.renewAt)) {
		return t.tok, nil
	}
	tok, err := t.fetch(ctx)
	if err != nil {
		return nil, err
	}
	t.tok, t.renewAt = tok, t.renewalTime(tok)
	return tok, nil
}

// invalidate drops tok if it is still the one held, so that the next
// request fetches a new one. Graph refusing a token before its expiry
// (revoked, or the clocks disagree) is otherwise fatal until it expires.
func (t *tokenCache) invalidate(ctx context.Context, tok *oauth2.Token) error {
	if err := t.acquire(ctx); err != nil {
		return err
	}
	defer t.release()
	if t.tok == tok {
		t.tok = nil
	}
	return nil
}

func (t *tokenCache) acquire(ctx context.Context) error {
	select {
	case t.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *tokenCache) release() { <-t.lock }

// renewalTime is when tok should be replaced: a minute before it expires
// (Graph must still accept it when a request reaches it), or halfway
// through a shorter lifetime. x/oauth2 computes Expiry on the wall clock;
// it is moved to the injected clock here.
func (t *tokenCache) renewalTime(tok *oauth2.Token) time.Time {
	if tok.Expiry.IsZero() {
		return time.Time{}
	}
	lifetime := time.Until(tok.Expiry)
	early := min(time.Minute, lifetime/2)
	return t.now().Add(lifetime - early)
}

// fetch makes one token request.
func (t *tokenCache) fetch(ctx context.Context) (*oauth2.Token, error) {
	conf := t.conf
	if t.assertion != nil {
		a, err := t.assertion.sign()
		if err != nil {
			return nil, err
		}
		conf.EndpointParams = url.Values{"client_assertion_type": {jwtBearer}, "client_assertion": {a}}
	}
	tok, err := conf.Token(context.WithValue(ctx, oauth2.HTTPClient, t.http))
	if err != nil {
		return nil, t.tokenError(err)
	}
	return tok, nil
}

// tokenError turns an x/oauth2 error into a *TokenError. The response body
// is dropped (x/oauth2's RetrieveError prints it whole), and the secret is
// redacted from what is kept, in case the endpoint echoes the request.
func (t *tokenCache) tokenError(err error) *TokenError {
	e := &TokenError{TokenURL: t.conf.TokenURL}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		e.Err = err
		return e
	}
	if re.Response != nil {
		e.StatusCode = re.Response.StatusCode
		e.RetryAfter, _ = parseRetryAfter(re.Response.Header.Get("Retry-After"), t.now())
	}
	e.Code = truncate(redact(re.ErrorCode, t.secret), 100)
	e.Description = truncate(redact(re.ErrorDescription, t.secret), maxMessage)
	return e
}
