package identity

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
)

// How often the keyring rereads the store's keys. Several servers share one
// database, so a key that one of them (or a rotation) stores must reach the
// others within seconds; rereading is one small query.
const (
	// keyRefreshInterval is the age after which the cached keys are reread
	// before use.
	keyRefreshInterval = 5 * time.Second
	// keyMissInterval bounds rereads caused by tokens with an unknown "kid":
	// anyone can send those, and they must not turn into a query each.
	keyMissInterval = time.Second
	// pruneInterval is how often, at most, a server deletes the retired
	// keys that no valid token can need any more. Pruning is housekeeping:
	// leaving a key a few minutes longer in the table costs nothing, since
	// it is no longer published.
	pruneInterval = 5 * time.Minute
	// pruneTimeout bounds one prune: a DELETE of a few rows.
	pruneTimeout = 5 * time.Second
)

// keyRetention is how long after its retirement a key stays published:
// the token lifetime, plus the keyRefreshInterval during which servers that
// have not yet reread the keys still sign with it, plus the verifier's
// clock leeway and as much again for skew between servers. After that
// every token it signed has expired, so the key is dropped from the JWKS
// and from verification, and may be deleted.
func keyRetention(ttl time.Duration) time.Duration {
	return ttl + keyRefreshInterval + 2*clockLeeway
}

// keySet is one snapshot of the store's signing keys, immutable once built.
type keySet struct {
	// active signs new tokens; nil when the store's active key is unusable.
	active *activeKey
	// activeErr is why the store's active key is unusable, if it is.
	activeErr error
	public    map[string]*verifyingKey // by kid: every published key
	jwks      jose.JSONWebKeySet
	loadedAt  time.Time
}

type activeKey struct {
	id     string
	alg    string
	signer jose.Signer
}

// verifyingKey is a published key as the verifier uses it: the public key,
// and the one algorithm the tokens it signed may name, so that a token
// cannot have its key used with another algorithm than the key's.
type verifyingKey struct {
	alg jose.SignatureAlgorithm
	key crypto.PublicKey
}

// keyring caches the store's signing keys in memory and rereads them when
// they are older than keyRefreshInterval, or when a token names a kid the
// cache does not hold (at most once per keyMissInterval).
type keyring struct {
	store     secusers.Store
	box       *credentials.Box // opens sealed keys and seals new ones; nil: none
	now       func() time.Time
	logger    *slog.Logger
	retention time.Duration // see keyRetention

	set atomic.Pointer[keySet] // read without locking on every request

	mu          sync.Mutex // serializes rereads, so a stale cache costs one query, not one per request
	lastAttempt time.Time  // of a reread, successful or not; guarded by mu
	lastPrune   time.Time  // of a prune, successful or not; guarded by mu
}

func newKeyring(store secusers.Store, box *credentials.Box, now func() time.Time, logger *slog.Logger, retention time.Duration) *keyring {
	return &keyring{store: store, box: box, now: now, logger: logger, retention: retention}
}

// ensureActive loads the keys and, when the store has no active key, stores
// a freshly generated one of algorithm alg (DefaultSigningAlgorithm when
// ""). When alg is set and the active key is of another algorithm, it
// rotates to a new key of alg: the previous key retires, and keeps
// verifying its tokens until it is pruned. Generating only when needed
// keeps a restart (and a test) from paying for a key generation it would
// throw away.
func (r *keyring) ensureActive(ctx context.Context, alg string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	set, err := r.load(ctx)
	if err != nil {
		return err
	}
	switch {
	case set.active == nil:
		set, err = r.storeKey(ctx, alg, r.store.EnsureSigningKey)
	case alg != "" && set.active.alg != alg:
		// Without the rotation, the configured algorithm would only take
		// effect on an empty store: it is how a deployment moves from
		// RS256 to ES256 (or back) with a restart.
		r.logger.InfoContext(ctx, "rotating the signing key to the configured algorithm",
			slog.String("kid", set.active.id), slog.String("from", set.active.alg), slog.String("to", alg))
		set, err = r.storeKey(ctx, alg, r.store.RotateSigningKey)
	}
	if err != nil {
		return err
	}
	return activeError(set)
}

// storeKey generates a key of alg, seals it, hands it to put (the store's
// EnsureSigningKey or RotateSigningKey) and rereads the keys. The caller
// holds r.mu.
func (r *keyring) storeKey(ctx context.Context, alg string, put func(context.Context, secusers.SigningKey) (secusers.SigningKey, error)) (*keySet, error) {
	candidate, err := NewSigningKey(alg)
	if err != nil {
		return nil, err
	}
	if candidate, err = SealSigningKey(r.box, candidate); err != nil {
		return nil, err
	}
	if _, err := put(ctx, candidate); err != nil {
		return nil, fmt.Errorf("store a new %s signing key: %w", candidate.Algorithm, err)
	}
	return r.load(ctx)
}

// activeError says why set has no usable active key, if it has none.
func activeError(set *keySet) error {
	switch {
	case errors.Is(set.activeErr, errNoMasterKey):
		return secusers.Wrap(secusers.Invalid, set.activeErr,
			"the signing keys are sealed with a master key this server does not have: give every server the same master key (SECUSERS_MASTER_KEY, or for SQLite the key file beside the database)")
	case errors.Is(set.activeErr, credentials.ErrOpen):
		return secusers.Wrap(secusers.Invalid, set.activeErr,
			"the signing keys are sealed with another master key than this server's: give every server the same master key")
	case set.active == nil:
		return secusers.Errorf(secusers.Internal, "the store's active signing key is not usable (see the log)")
	}
	return nil
}

// current returns the keys, rereading them first when they are stale. A
// store that cannot be reached then is the caller's error: the request needs
// the store anyway, and stale keys would hide a rotation.
func (r *keyring) current(ctx context.Context) (*keySet, error) {
	if set := r.set.Load(); set != nil && r.fresh(set) {
		return set, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if set := r.set.Load(); set != nil && r.fresh(set) {
		return set, nil // another request reread them while this one waited
	}
	return r.load(ctx)
}

// publicKey returns the published key named kid, or nil when the store has
// no such key. kid is only ever a map key: it never names a file or a URL.
func (r *keyring) publicKey(ctx context.Context, kid string) (*verifyingKey, error) {
	set, err := r.current(ctx)
	if err != nil {
		return nil, err
	}
	if pub := set.public[kid]; pub != nil {
		return pub, nil
	}
	// Another server may have stored a key this one has not seen yet.
	r.mu.Lock()
	defer r.mu.Unlock()
	if since := r.now().Sub(r.lastAttempt); since >= 0 && since < keyMissInterval {
		return r.set.Load().public[kid], nil
	}
	if set, err = r.load(ctx); err != nil {
		return nil, err
	}
	return set.public[kid], nil
}

func (r *keyring) fresh(set *keySet) bool {
	age := r.now().Sub(set.loadedAt)
	return age >= 0 && age < keyRefreshInterval // a clock that went back counts as stale
}

// load rereads the keys and caches them. The caller holds r.mu.
func (r *keyring) load(ctx context.Context) (*keySet, error) {
	r.lastAttempt = r.now()
	stored, err := r.store.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	published, outdated := r.published(stored)
	set := r.build(ctx, published)
	set.loadedAt = r.lastAttempt
	r.set.Store(set)
	if outdated {
		r.prune(ctx)
	}
	return set, nil
}

// published returns the keys to publish: the active one and those retired
// less than the retention ago. outdated reports whether the store holds
// keys retired longer ago, which prune may delete.
func (r *keyring) published(stored []secusers.SigningKey) (keys []secusers.SigningKey, outdated bool) {
	cutoff := r.lastAttempt.Add(-r.retention)
	keys = make([]secusers.SigningKey, 0, len(stored))
	for _, k := range stored {
		if !k.RetiredAt.IsZero() && k.RetiredAt.Before(cutoff) {
			outdated = true
			continue
		}
		keys = append(keys, k)
	}
	return keys, outdated
}

// prune deletes the keys retired longer than the retention ago, at most
// once per pruneInterval per server. It runs on the reread that found such
// keys, so a server needs no goroutine of its own for it, and it asks the
// store to write only when there is something to delete. A failure is
// logged, not returned: the keys were read, and the request is not at
// fault. The caller holds r.mu.
func (r *keyring) prune(ctx context.Context) {
	now := r.now()
	if since := now.Sub(r.lastPrune); !r.lastPrune.IsZero() && since >= 0 && since < pruneInterval {
		return
	}
	r.lastPrune = now
	// The request that triggered the reread must not pay for, or cancel,
	// the server's housekeeping: its own deadline and cancellation do not
	// apply, a short one of the prune's own does.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pruneTimeout)
	defer cancel()
	n, err := r.store.PruneSigningKeys(ctx, now.Add(-r.retention))
	if err != nil {
		r.logger.WarnContext(ctx, "prune retired signing keys", slog.Any("err", err))
		return
	}
	if n > 0 {
		r.logger.InfoContext(ctx, "pruned retired signing keys", slog.Int("count", n))
	}
}

// build decodes the stored keys. A key that does not decode is logged (with
// ctx, the context of the request that read the keys) and left out rather
// than failing the whole set: the other keys still verify.
func (r *keyring) build(ctx context.Context, stored []secusers.SigningKey) *keySet {
	set := &keySet{
		public: make(map[string]*verifyingKey, len(stored)),
		jwks:   jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(stored))}, // "keys": [], never null
	}
	sawActive := false
	for _, k := range stored {
		isActive := k.RetiredAt.IsZero() && !sawActive
		sawActive = sawActive || k.RetiredAt.IsZero()
		pk, err := parseSigningKey(k, r.box)
		if err != nil {
			r.logger.ErrorContext(ctx, "unusable signing key", slog.String("kid", k.ID), slog.Any("err", err))
			if isActive {
				set.activeErr = err
			}
			continue
		}
		if _, dup := set.public[pk.id]; dup {
			continue
		}
		set.public[pk.id] = &verifyingKey{alg: pk.alg, key: pk.private.Public()}
		set.jwks.Keys = append(set.jwks.Keys, pk.publicJWK())
		if isActive {
			signer, err := pk.signer()
			if err != nil {
				r.logger.ErrorContext(ctx, "unusable signing key", slog.String("kid", k.ID), slog.Any("err", err))
				continue
			}
			set.active = &activeKey{id: pk.id, alg: string(pk.alg), signer: signer}
		}
	}
	return set
}
