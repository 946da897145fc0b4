package graph

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The defaults of Config.
const (
	DefaultGraphURL      = "https://graph.microsoft.com"
	DefaultLoginURL      = "https://login.microsoftonline.com"
	DefaultMaxConcurrent = 4
	DefaultMaxTries      = 6
	// DefaultBaseBackoff is sync.md's "exponential backoff and jitter from
	// one second": Identity Protection allows about one request a second per
	// tenant and sends no Retry-After, so a first wait much shorter than that
	// would only be throttled again.
	DefaultBaseBackoff = time.Second
	DefaultMaxBackoff  = time.Minute
	// DefaultRequestTimeout bounds one request of the default HTTP client,
	// body included, so that a stalled connection cannot hang a run. A page
	// of 999 users with their sign-in activity can take Graph many seconds.
	DefaultRequestTimeout = 2 * time.Minute
)

// Credentials prove the app's identity to the login endpoint: a client
// secret, or a certificate registered on the app with its private key. Set
// one of the two. They are never printed: String and GoString say which
// kind they are and nothing more.
type Credentials struct {
	ClientSecret string
	Certificate  *x509.Certificate
	// PrivateKey is the certificate's RSA key; any crypto.Signer will do,
	// so a key held in an HSM or a KMS works as well as an *rsa.PrivateKey.
	PrivateKey crypto.Signer
}

// Config configures a Client for one customer tenant.
type Config struct {
	GraphURL      string // default DefaultGraphURL; a national cloud or a fake
	LoginURL      string // default DefaultLoginURL
	EntraTenantID string // the tenant's GUID (or one of its domain names)
	ClientID      string // the partner's app registration in that tenant
	Credentials

	// HTTPClient sends every request, the token's too. Default: a client
	// with DefaultRequestTimeout.
	HTTPClient *http.Client
	// MaxConcurrent bounds the client's requests in flight, so that one
	// tenant's reads run side by side without a throttling storm.
	MaxConcurrent int
	// MaxTries bounds the attempts of one request, the first included.
	MaxTries int
	// BaseBackoff and MaxBackoff shape the waits between tries when Graph
	// gives no Retry-After (see backoff).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Sleep waits d or until ctx is done, whichever comes first, and then
	// returns ctx.Err(). Tests inject one that records the waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for token expiry, assertion claims and Retry-After
	// dates. Default time.Now.
	Now func() time.Time
	// Observer is told of requests, throttling and pages (metrics, progress
	// bars). Default: none.
	Observer Observer
}

// tenantIDPattern admits a GUID or a domain name: the tenant ID is put in
// the token URL's path, so nothing that could change the path gets in.
var tenantIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$`)

// withDefaults returns cfg with every unset field at its default.
func (cfg Config) withDefaults() Config {
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultGraphURL
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultRequestTimeout}
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.MaxTries <= 0 {
		cfg.MaxTries = DefaultMaxTries
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.BaseBackoff)
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return cfg
}

// baseURL parses a configured base URL: absolute http(s), nothing after the
// path, no trailing slash (so that paths append cleanly).
func baseURL(name, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", name, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("graph: %s %q: want an absolute http(s) URL without user, query or fragment", name, raw)
	}
	return u, nil
}

// validate checks the identity of the tenant and the app.
func (cfg Config) validate() error {
	if !tenantIDPattern.MatchString(cfg.EntraTenantID) {
		return fmt.Errorf("graph: Entra tenant ID %q: want a GUID or a domain name", cfg.EntraTenantID)
	}
	if cfg.ClientID == "" {
		return errors.New("graph: client ID is missing")
	}
	return cfg.Credentials.validate()
}

// validate checks that exactly one kind of credential is set, and that the
// private key belongs to the certificate (Entra would refuse the assertion,
// with a less helpful message).
func (c Credentials) validate() error {
	hasCert := c.Certificate != nil || c.PrivateKey != nil
	switch {
	case c.ClientSecret != "" && hasCert:
		return errors.New("graph: credentials: set a client secret or a certificate, not both")
	case c.ClientSecret != "":
		return nil
	case !hasCert:
		return errors.New("graph: credentials: a client secret or a certificate with its private key is required")
	case c.Certificate == nil || c.PrivateKey == nil:
		return errors.New("graph: credentials: a certificate needs its private key, and a key its certificate")
	}
	return checkKeyPair(c.Certificate, c.PrivateKey)
}

// String says which kind of credential c is, never its secret.
func (c Credentials) String() string {
	switch {
	case c.ClientSecret != "":
		return "client secret"
	case c.Certificate != nil:
		return "certificate " + c.Certificate.Subject.String()
	}
	return "no credentials"
}

// GoString is String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

// String describes cfg without its credentials' secrets. (Without it the
// embedded Credentials' String would stand for the whole Config.)
func (cfg Config) String() string {
	return fmt.Sprintf("graph.Config{GraphURL:%q LoginURL:%q EntraTenantID:%q ClientID:%q Credentials:%s}",
		cfg.GraphURL, cfg.LoginURL, cfg.EntraTenantID, cfg.ClientID, cfg.Credentials)
}

// GoString is String, so that %#v does not print the secret either.
func (cfg Config) GoString() string { return cfg.String() }

// LogValue is String for log/slog, whose JSON handler would otherwise
// encode every field, the secret and the private key included.
func (cfg Config) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

// LogValue is String for log/slog (see Config.LogValue).
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }
