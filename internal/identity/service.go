package identity

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/secusers"
)

// Config configures a Service. Store and Issuer are required.
type Config struct {
	// Store holds the apps, their secrets and the signing keys.
	Store secusers.Store
	// Issuer is the public base URL of the service, e.g.
	// "http://127.0.0.1:8080", without a trailing slash. It is the tokens'
	// "iss" and the base of every URL the discovery document names.
	Issuer string
	// TokenTTL is how long an access token is valid; DefaultTokenTTL when
	// zero.
	TokenTTL time.Duration
	// SigningAlgorithm is the algorithm of the signing keys this service
	// creates, AlgorithmES256 or AlgorithmRS256, and the one it wants the
	// active key to have: when the store's active key has another, New
	// rotates to a new key of this algorithm (the previous key retires and
	// keeps verifying its tokens until it is pruned). Servers that share a
	// store should therefore share it, or each start rotates the key. When
	// "", the active key is used whatever its algorithm, and a missing one
	// is created with DefaultSigningAlgorithm.
	SigningAlgorithm string
	// Now is the clock; time.Now when nil. Tests inject a clock to reach
	// expiry without waiting.
	Now func() time.Time
	// Logger receives internal faults, those of a request logged with its
	// context: wrapped by reqlog.NewHandler (the server wraps its logger),
	// it adds the request id. slog.Default() when nil.
	Logger *slog.Logger
	// MasterKey, when set, seals the signing keys this service stores, and
	// opens the sealed keys it reads, so that the database holds no
	// private key in the clear. Servers that share a database need the
	// same one. Without it keys are stored, and only clear keys read, as
	// they are.
	MasterKey *credentials.Box
	// AddressLimiter, when set, limits token requests per remote address
	// (the connection's IPv4 address or IPv6 /64; forwarding headers are
	// not trusted, since any client can send them). It is asked before the
	// request costs any store work, with keys "token-addr:ADDRESS".
	AddressLimiter ratelimit.Limiter
	// ClientLimiter, when set, limits token requests per client, asked
	// once the client has authenticated: client ids are not secret, and a
	// limit that failed attempts spent would let anyone lock an app out.
	// Its keys are "token-client:CLIENT-ID".
	ClientLimiter ratelimit.Limiter
	// StoreTimeout bounds the store calls of one token request, together:
	// a store that does not answer in time is a 503 with Retry-After, as
	// in the partner API, not a request left hanging until the connection's
	// write timeout. DefaultStoreTimeout when zero.
	StoreTimeout time.Duration
}

// DefaultTokenTTL is the TokenTTL of a Config that sets none.
const DefaultTokenTTL = time.Hour

// DefaultStoreTimeout is the StoreTimeout of a Config that sets none: the
// partner API's default, far above what a token request's few small
// queries take.
const DefaultStoreTimeout = 5 * time.Second

// Service issues and verifies access tokens and serves the token endpoint,
// the discovery document and the JWKS. It is safe for concurrent use. It
// needs no Close and leaves no goroutine running: rotated keys are picked
// up, and outdated ones pruned from the store, on the keyring's periodic
// reread, and its caches drop expired entries as they are used (their
// maintenance runs in short-lived goroutines; see cacheClock).
type Service struct {
	store    secusers.Store
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	logger   *slog.Logger
	keys     *keyring
	// verified caches the tokens VerifyAccessToken accepted (see
	// tokenCache); clients caches the token endpoint's reads of apps and
	// their secrets for a second (see clientCache).
	verified *tokenCache
	clients  *clientCache
	// storeTimeout bounds a token request's store calls (Config.StoreTimeout).
	storeTimeout time.Duration
	// addrLimit and clientLimit are the optional rate limits of the token
	// endpoint; nil means unlimited.
	addrLimit, clientLimit ratelimit.Limiter
	// clientAuth lists the client authentication methods the token endpoint
	// accepts, in the order discovery advertises them.
	clientAuth []clientAuthMethod
}

// Service implements the domain's verifier, which the partner API depends on.
var _ secusers.TokenVerifier = (*Service)(nil)

// New returns a Service for cfg. It makes sure the store has an active
// signing key (of cfg.SigningAlgorithm when that is set), storing a freshly
// generated one when there is none, so that the first token request does
// not pay for key generation and every server sharing the store ends up
// with the same key.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	s := &Service{
		store:    cfg.Store,
		issuer:   cfg.Issuer,
		audience: Audience(cfg.Issuer),
		ttl:      cfg.TokenTTL,
		now:      cfg.Now,
		logger:   cfg.Logger,
		keys:     newKeyring(cfg.Store, cfg.MasterKey, cfg.Now, cfg.Logger, keyRetention(cfg.TokenTTL)),
		verified: newTokenCache(cfg.Now),
		clients:  newClientCache(cfg.Now, clientCacheTTL),

		storeTimeout: cfg.StoreTimeout,

		addrLimit:   cfg.AddressLimiter,
		clientLimit: cfg.ClientLimiter,
	}
	s.clientAuth = []clientAuthMethod{secretPost{s}, secretBasic{s}, privateKeyJWT{s}}
	if err := s.keys.ensureActive(ctx, cfg.SigningAlgorithm); err != nil {
		return nil, err
	}
	return s, nil
}

// EnsureSigningAlgorithm does to the store's signing keys what New does
// with cfg, without making a Service: it stores a key of
// cfg.SigningAlgorithm when the store has no active key, and rotates to
// one when the active key is of another algorithm. Only cfg's Store,
// MasterKey, SigningAlgorithm, TokenTTL, Now and Logger matter. The serve
// command calls it before the server starts, so that the server finds the
// key its --signing-alg asks for.
func EnsureSigningAlgorithm(ctx context.Context, cfg Config) error {
	if err := cfg.keyDefaults(); err != nil {
		return err
	}
	return newKeyring(cfg.Store, cfg.MasterKey, cfg.Now, cfg.Logger, keyRetention(cfg.TokenTTL)).ensureActive(ctx, cfg.SigningAlgorithm)
}

func (cfg *Config) applyDefaults() error {
	if err := cfg.keyDefaults(); err != nil {
		return err
	}
	if err := checkIssuer(cfg.Issuer); err != nil {
		return err
	}
	switch {
	case cfg.StoreTimeout == 0:
		cfg.StoreTimeout = DefaultStoreTimeout
	case cfg.StoreTimeout < 0:
		return secusers.Errorf(secusers.Invalid, "identity: the store timeout must not be negative, got %v", cfg.StoreTimeout)
	}
	return nil
}

// keyDefaults checks and completes what the signing keys depend on: the
// store, the algorithm, the token lifetime (which bounds how long retired
// keys stay), the clock and the logger.
func (cfg *Config) keyDefaults() error {
	if cfg.Store == nil {
		return secusers.Errorf(secusers.Invalid, "identity: a store is required")
	}
	if cfg.SigningAlgorithm != "" {
		alg, err := ParseSigningAlgorithm(cfg.SigningAlgorithm)
		if err != nil {
			return err
		}
		cfg.SigningAlgorithm = alg
	}
	switch {
	case cfg.TokenTTL == 0:
		cfg.TokenTTL = DefaultTokenTTL
	case cfg.TokenTTL < time.Second:
		return secusers.Errorf(secusers.Invalid, "identity: the token lifetime must be at least a second, got %v", cfg.TokenTTL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return nil
}

// checkIssuer refuses an issuer that would make the tokens' "iss" differ from
// the discovery document's or produce broken endpoint URLs.
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return secusers.Errorf(secusers.Invalid, "identity: the issuer must be an absolute http or https URL, got %q", issuer)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return secusers.Errorf(secusers.Invalid, "identity: the issuer must not have a query, fragment or user info, got %q", issuer)
	case issuer[len(issuer)-1] == '/':
		return secusers.Errorf(secusers.Invalid, "identity: the issuer must not end with a slash, got %q", issuer)
	}
	return nil
}

// Audience returns the "aud" of the access tokens an issuer issues: the
// partner API, which is the only resource server.
func Audience(issuer string) string { return issuer + "/partner" }

// The paths the service serves, relative to the issuer.
const (
	tokenPath     = "/connect/token"
	discoveryPath = "/.well-known/openid-configuration"
	jwksPath      = "/.well-known/jwks.json"
)

// Register adds the token endpoint, the discovery document and the JWKS to
// mux. Method patterns make the mux answer 405 for other methods.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+tokenPath, s.handleToken)
	mux.HandleFunc("GET "+discoveryPath, s.handleDiscovery)
	mux.HandleFunc("GET "+jwksPath, s.handleJWKS)
}
