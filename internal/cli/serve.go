package cli

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/api"
	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/metrics"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
	"github.com/secusers/secusers/internal/tenantsync/schedule"
)

// serveFlags are the flags of serve.
type serveFlags struct {
	addr, issuer string
	opsAddr      string
	// trustedProxies are --trusted-proxy's CIDRs, as given.
	trustedProxies []string
	log            logFlags
	demo           bool
	demoUsers      int
	storeTimeout   time.Duration
	syncInterval   time.Duration
	historyDays    int
	// The rate limits: requests a second and bursts, per app on the API
	// and per client id and per remote address on the token endpoint.
	rateLimit, tokenRateLimit float64
	rateBurst, tokenRateBurst int
	redisURL                  string
	// signingAlg is --signing-alg: the algorithm of the signing keys this
	// server creates and wants active.
	signingAlg string
}

// The default rate limits: far above what a partner's script needs (a
// full walk of a large tenant is a few requests a second), low enough that
// one runaway client cannot take the database from the others.
const (
	defaultRateLimit      = 100
	defaultRateBurst      = 200
	defaultTokenRateLimit = 10
	defaultTokenRateBurst = 50
)

func (e *env) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--ops-addr ADDR] [--issuer URL] [--trusted-proxy CIDR] [--rate-limit N] [--redis URL] [--signing-alg ES256|RS256] [--demo]",
		Short: "Serve the partner API, the token service and discovery",
		Long: `Serve the partner API, the token service (/connect/token), discovery and the
JWKS on one address, with GET /openapi.yaml and, for operations:
  GET /healthz   liveness: 200 while the server accepts requests
  GET /readyz    readiness: 200 while the database answers, else 503
  GET /metrics   Prometheus metrics: requests, store calls, pool, runtime
With --ops-addr, /metrics and /readyz are served on that address only, with
/healthz (which --addr keeps), so that the public address does not show them.

Logs go to stderr: text on a terminal and JSON lines otherwise (--log-format),
from --log-level up. Once the server accepts requests, "listening on
http://ADDR" is printed on stdout (then, with --ops-addr, "operations (…) on
http://OPSADDR"). SIGINT or SIGTERM drains in-flight requests on both addresses
(up to 15 seconds) and exits 0.

A request to the partner API whose database calls take longer than
--store-timeout, together, gets 503 with Retry-After instead of hanging, as do
requests while the database is unreachable; the server recovers by itself once
the database is back, without a restart.

Each app may make --rate-limit requests a second to the partner API (bursts of
--rate-burst), and each client id and each remote address --token-rate-limit
token requests a second; past that, 429 with Retry-After. With --redis the
servers on one database share these limits; without it, or while Redis is
unreachable, each server enforces them on its own. A client that takes over 5
seconds to send its request header is cut off.

Behind load balancers or reverse proxies, name their networks with
--trusted-proxy: a request whose connection comes from one is counted, in the
per-address limit and the access log, as coming from the client that
X-Forwarded-For names (the rightmost address that is not a trusted proxy).
Without it, X-Forwarded-For is ignored, since any client can send it.

Access tokens are JWTs signed with the database's active signing key, ES256
(ECDSA P-256) unless --signing-alg RS256 asks for RSA-2048 keys. A server whose
database has no active key stores one of its --signing-alg; one whose active key
has another algorithm rotates to a new key of its own at start (the previous key
retires and still verifies its tokens until they expire), so give the servers
on one database the same --signing-alg, or each start rotates the key.

Go's garbage collector runs with GOGC=400 and a soft Go heap limit of 28 MiB
(GOMEMLIMIT) unless either variable is set, which then decides alone: pages are
short-lived garbage over a small live heap, and the default collected so often
that it took a third of the CPU.

Every connected tenant (see 'secusers admin tenant connect') is synced from
Microsoft Graph every --sync-interval, as jobs in the database: with several
servers on one database, no tenant is synced by two at once, and a sync cut off
by a crash runs again. Syncing needs the master key (SECUSERS_MASTER_KEY, or for
SQLite the key file beside the database). Each sync (and import) keeps what
changed: the schedule prunes the history older than --history-days once a day.

--demo first makes sure the database has a demo partner, customer, tenant
(` + demo.TenantID + `) and an app (client id ` + demo.ClientID + `), fills
the tenant by syncing it from a fake Microsoft Graph of a few thousand generated
users served inside the process (the production path, end to end), adds a fresh
client secret to the app, and prints it with curl commands that fetch a token
and call the API.`,
		Example: `  secusers serve --demo
  secusers serve --addr 127.0.0.1:0 --db /var/lib/secusers/secusers.db
  secusers serve --addr :8080 --issuer https://secusers.example.com
  # behind a load balancer in 10.0.0.0/8, with metrics for the monitoring network only
  secusers serve --addr :8080 --ops-addr 10.1.2.3:9090 --trusted-proxy 10.0.0.0/8 --issuer https://secusers.example.com
  # one of several servers on one PostgreSQL database, behind one load balancer
  secusers serve --addr :8080 --db "postgres://secusers@db.internal/secusers" --issuer https://secusers.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.serve(cmd, f) },
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "the address to listen on; port 0 picks a free one")
	cmd.Flags().StringVar(&f.opsAddr, "ops-addr", "", "a second address, for operations: /metrics and /readyz move there, and /healthz is served on both; none: --addr serves them all")
	cmd.Flags().StringSliceVar(&f.trustedProxies, "trusted-proxy", nil, "the networks of trusted load balancers or proxies, CIDR[,CIDR…] or repeated, e.g. 10.0.0.0/8; a request from one counts as from the client X-Forwarded-For names")
	cmd.Flags().StringVar(&f.issuer, "issuer", "", `the public base URL written into tokens and discovery (default "http://ADDR", with the bound address); give servers behind one load balancer the same`)
	cmd.Flags().BoolVar(&f.demo, "demo", false, "create demo data and print a client secret and curl commands before serving")
	cmd.Flags().IntVar(&f.demoUsers, "demo-users", demo.DefaultUsers, "how many users the demo's fake Microsoft Graph has")
	cmd.Flags().DurationVar(&f.syncInterval, "sync-interval", schedule.DefaultInterval, "how often every connected tenant is synced from Microsoft Graph; 0 turns scheduled syncs off")
	cmd.Flags().IntVar(&f.historyDays, "history-days", schedule.DefaultHistoryDays, "how many days of history (daily points, changes, ended status intervals) are kept; the schedule prunes what is older once a day")
	cmd.Flags().DurationVar(&f.storeTimeout, "store-timeout", api.DefaultStoreTimeout, "the most a request's database calls may take, together, before it is answered 503")
	cmd.Flags().Float64Var(&f.rateLimit, "rate-limit", defaultRateLimit, "partner API requests a second per app, on average; 0 turns the limit off")
	cmd.Flags().IntVar(&f.rateBurst, "rate-burst", defaultRateBurst, "partner API requests per app allowed at once above --rate-limit")
	cmd.Flags().Float64Var(&f.tokenRateLimit, "token-rate-limit", defaultTokenRateLimit, "token requests a second per client id, and per remote address; 0 turns the limit off")
	cmd.Flags().IntVar(&f.tokenRateBurst, "token-rate-burst", defaultTokenRateBurst, "token requests per client id, and per remote address, allowed at once above --token-rate-limit")
	cmd.Flags().StringVar(&f.signingAlg, "signing-alg", identity.DefaultSigningAlgorithm, "the algorithm of the keys that sign access tokens, ES256 or RS256; at start the server rotates to a key of it if the active key has another, so give servers on one database the same")
	cmd.Flags().StringVar(&f.redisURL, "redis", e.getenv("SECUSERS_REDIS_URL"), "a Redis the servers share rate limits through, redis://host:6379/0 (environment SECUSERS_REDIS_URL); without it, or while it is unreachable, each server limits on its own")
	e.addLogFlags(cmd, &f.log)
	return cmd
}

func (e *env) serve(cmd *cobra.Command, f serveFlags) error {
	issuer, err := checkIssuer(f.issuer)
	if err != nil {
		return err
	}
	if f.storeTimeout <= 0 {
		return secusers.Errorf(secusers.Invalid, "--store-timeout must be a positive duration, e.g. 5s or 500ms, got %s", f.storeTimeout)
	}
	if f.syncInterval != 0 && f.syncInterval < schedule.MinInterval {
		return secusers.Errorf(secusers.Invalid, "--sync-interval must be 0 (off) or at least %s, got %s", schedule.MinInterval, f.syncInterval)
	}
	if f.historyDays < 1 {
		return secusers.Errorf(secusers.Invalid, "--history-days must be at least 1, got %d", f.historyDays)
	}
	if err := checkRateFlags(f); err != nil {
		return err
	}
	signingAlg, err := identity.ParseSigningAlgorithm(f.signingAlg)
	if err != nil {
		return secusers.Errorf(secusers.Invalid, "--signing-alg must be %s or %s, got %q", identity.AlgorithmES256, identity.AlgorithmRS256, f.signingAlg)
	}
	if f.demo && f.demoUsers < 0 {
		return secusers.Errorf(secusers.Invalid, "--demo-users must not be negative, got %d", f.demoUsers)
	}
	if f.opsAddr != "" && f.opsAddr == f.addr && !strings.HasSuffix(f.addr, ":0") {
		return secusers.Errorf(secusers.Invalid, "--ops-addr must be another address than --addr, got %s for both", f.addr)
	}
	tuneGC(e.getenv)
	proxies, err := parseTrustedProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	logger, err := e.newLogger(cmd, f.log)
	if err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	reg := metrics.NewRegistry()
	return e.withStoreLogging(ctx, logger, func(st secusers.Store) error {
		box := e.loadServeKey(loc, logger)
		// The server keeps whatever key is active; making it one of
		// --signing-alg first is what gives the flag its effect.
		if err := identity.EnsureSigningAlgorithm(ctx, identity.Config{
			Store: st, MasterKey: box, SigningAlgorithm: signingAlg, Now: e.now, Logger: logger,
		}); err != nil {
			return err
		}
		syncer := e.serveSyncer(st, box, logger, reg)
		var res demo.Result
		if f.demo {
			logger.Info("preparing demo data")
			var g *demoGraph
			if res, g, err = e.prepareDemo(ctx, st, syncer, f.demoUsers, logger); err != nil {
				return err
			}
			defer g.close(context.WithoutCancel(ctx))
		}
		limits, closeLimits, err := openLimits(ctx, f, logger)
		if err != nil {
			return err
		}
		defer closeLimits()
		srv := server.New(server.Config{
			Addr: f.addr, OpsAddr: f.opsAddr, Store: st, Issuer: issuer, Now: e.now, Logger: logger, Out: e.stdout,
			StoreTimeout: f.storeTimeout, Metrics: reg, Limits: limits, MasterKey: box, TrustedProxies: proxies,
		})
		if err := srv.Listen(ctx); err != nil {
			return err
		}
		stopSchedule, err := e.startSchedule(ctx, loc, f.syncInterval, f.historyDays, syncer, logger)
		if err != nil {
			return err
		}
		defer stopSchedule()
		if f.demo {
			writeDemoBanner(e.stdout, srv.URL(), res)
		}
		return srv.Serve(ctx)
	})
}

// checkIssuer returns --issuer without a trailing slash, refusing what
// cannot be an issuer before anything is opened.
func checkIssuer(issuer string) (string, error) {
	if issuer == "" {
		return "", nil
	}
	issuer = strings.TrimRight(issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", secusers.Errorf(secusers.Invalid, "--issuer must be an absolute http or https URL without query, e.g. https://secusers.example.com, got %q", issuer)
	}
	return issuer, nil
}

// parseTrustedProxies parses --trusted-proxy: CIDRs, or single addresses
// (a network of one), IPv4 or IPv6.
func parseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	for _, v := range values {
		v = strings.TrimSpace(v)
		p, err := netip.ParsePrefix(v)
		if err != nil {
			addr, aerr := netip.ParseAddr(v)
			if aerr != nil || addr.Zone() != "" {
				return nil, secusers.Errorf(secusers.Invalid,
					"--trusted-proxy must be CIDRs or addresses, such as 10.0.0.0/8 or 2001:db8::/32, got %q", v)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		// An IPv4-mapped network means its IPv4 one: the server compares
		// peers as IPv4.
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		prefixes = append(prefixes, p.Masked())
	}
	return prefixes, nil
}
