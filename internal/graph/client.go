package graph

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Client reads one customer tenant through Microsoft Graph. It is safe for
// concurrent use: the sync runs its reads side by side, and MaxConcurrent
// bounds their requests in flight together.
type Client struct {
	graph  *url.URL // the base, e.g. https://graph.microsoft.com
	http   *http.Client
	tokens *tokenCache
	sem    chan struct{} // a slot per request in flight
	// maxPage is maxPageBytes; a field so that tests need not send 64 MiB.
	maxPage int64

	maxTries    int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	sleep       func(context.Context, time.Duration) error
	now         func() time.Time
	obs         Observer
}

// New returns a Client for the tenant and app of cfg, after checking cfg. It
// makes no request: the first read fetches the token.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	graphURL, err := baseURL("Graph URL", cfg.GraphURL)
	if err != nil {
		return nil, err
	}
	loginURL, err := baseURL("login URL", cfg.LoginURL)
	if err != nil {
		return nil, err
	}
	tokens, err := newTokenCache(cfg, graphURL, loginURL)
	if err != nil {
		return nil, err
	}
	return &Client{
		graph:       graphURL,
		http:        cfg.HTTPClient,
		tokens:      tokens,
		sem:         make(chan struct{}, cfg.MaxConcurrent),
		maxPage:     maxPageBytes,
		maxTries:    cfg.MaxTries,
		baseBackoff: cfg.BaseBackoff,
		maxBackoff:  cfg.MaxBackoff,
		sleep:       cfg.Sleep,
		now:         cfg.Now,
		obs:         cfg.Observer,
	}, nil
}

// sleep is the default Config.Sleep.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
