package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/secusers"
)

// The key prefixes of the token endpoint's limits, so that one Limiter
// may serve them and the API's per-app limit without the keys colliding.
const (
	addrKeyPrefix   = "token-addr:"
	clientKeyPrefix = "token-client:"
)

// limitAddress spends one request of the remote address's limit. The
// address is the connection's: X-Forwarded-For and its kin are set by the
// client unless a trusted proxy rewrites them, so trusting them would let
// every request claim a fresh address.
func (s *Service) limitAddress(r *http.Request) error {
	if s.addrLimit == nil {
		return nil
	}
	key := addressKey(r.RemoteAddr)
	return limited(s.addrLimit.Allow(r.Context(), addrKeyPrefix+key), "address "+key)
}

// addressKey is the bucket of a remote address: the IPv4 address, or the
// /64 network of an IPv6 one. One IPv6 subscriber is routinely given a
// whole /64 (RFC 6177), so a limit per full address would give every
// client 2^64 buckets to draw from. An address that does not parse (not a
// TCP peer) is its own key.
func addressKey(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	addr := ap.Addr().Unmap()
	if addr.Is4() {
		return addr.String()
	}
	prefix, err := addr.WithZone("").Prefix(64)
	if err != nil {
		return addr.String()
	}
	return prefix.String()
}

// limitClient spends one request of the authenticated client's limit.
func (s *Service) limitClient(ctx context.Context, clientID string) error {
	if s.clientLimit == nil {
		return nil
	}
	id, ok := secusers.ParseGUID(clientID)
	if !ok {
		return nil
	}
	return limited(s.clientLimit.Allow(ctx, clientKeyPrefix+id), "client "+id)
}

// limited turns a refusal into the 429 error; who names the key, for the
// log.
func limited(d ratelimit.Decision, who string) error {
	if d.Allowed {
		return nil
	}
	secs := d.RetryAfterSeconds()
	return &oauthError{
		code:        codeTemporarilyUnavailable,
		description: fmt.Sprintf("too many token requests; retry after %d seconds", secs),
		retryAfter:  secs,
		cause:       fmt.Errorf("rate limit of %s spent", who),
	}
}
