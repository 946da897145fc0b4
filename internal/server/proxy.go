package server

import (
	"net/http"
	"net/netip"
	"strings"
)

// forwardedFor is the header a load balancer or reverse proxy appends the
// address of its own client to.
const forwardedFor = "X-Forwarded-For"

// trustProxies makes r.RemoteAddr the client's address, as the trusted
// proxies in front of the server saw it (clientAddr), for every handler
// after it: the token endpoint's per-address rate limit and the access
// log read r.RemoteAddr and need not know about proxies. Without trusted
// proxies it is next itself, and forwarded headers mean nothing.
//
// The derived address has port 0: the client's port is not forwarded, and
// the peer's port is the proxy's.
func trustProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := clientAddr(r.RemoteAddr, r.Header.Values(forwardedFor), trusted); ok {
			r2 := *r // a shallow copy, as WithContext makes: the caller's request stays as it was
			r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr returns the address of the client behind the trusted proxies,
// and true, when the TCP peer (remoteAddr, "IP:port") is one of them and
// X-Forwarded-For (its field values, in order) names the client. Each proxy
// appends the address it received the request from, so the list is read
// from the right: trusted proxies are skipped, and the first address that
// is not one is the client. What lies to its left was written by the
// client, or by proxies not trusted, and is not read at all, so a client
// cannot choose its address, nor spoil the header to be counted as the
// proxy.
//
// It returns false, and the peer stays the client, when the peer is not
// trusted (its header may say anything), when the header is missing or
// empty, when an entry read before the client is malformed (a trusted
// proxy writes nothing malformed, so the chain cannot be trusted), or when
// every entry is a trusted proxy: the leftmost would then be whatever a
// client inside a trusted network wrote, and naming a new trusted address
// on each request would give it a fresh rate-limit bucket each time.
// Entries may carry a port ("192.0.2.1:4711", "[2001:db8::1]:4711") as
// some load balancers write them; IPv4-mapped IPv6 addresses count as
// IPv4, and zones are dropped.
func clientAddr(remoteAddr string, forwarded []string, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(remoteAddr)
	if err != nil || !isTrusted(peer.Addr().Unmap(), trusted) {
		return netip.Addr{}, false
	}
	entries := forwardedEntries(forwarded)
	if len(entries) == 0 {
		return netip.Addr{}, false
	}
	var addr netip.Addr
	for i := len(entries) - 1; i >= 0; i-- {
		var ok bool
		if addr, ok = parseForwarded(entries[i]); !ok {
			return netip.Addr{}, false
		}
		if !isTrusted(addr, trusted) {
			return addr, true
		}
	}
	return netip.Addr{}, false // every entry is a trusted proxy: no client to name
}

// forwardedEntries splits the X-Forwarded-For field values, in order, into
// their comma-separated entries. Several fields are one list (RFC 9110
// §5.3).
func forwardedEntries(values []string) []string {
	var entries []string
	for _, v := range values {
		for e := range strings.SplitSeq(v, ",") {
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	if len(entries) == 1 && entries[0] == "" {
		return nil
	}
	return entries
}

// parseForwarded parses one X-Forwarded-For entry: an IP address, with or
// without a port, an IPv6 address in brackets or not.
func parseForwarded(entry string) (netip.Addr, bool) {
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(entry, "["), "]"))
	if err != nil {
		ap, perr := netip.ParseAddrPort(entry)
		if perr != nil {
			return netip.Addr{}, false
		}
		addr = ap.Addr()
	} else if strings.HasPrefix(entry, "[") != strings.HasSuffix(entry, "]") || (entry[0] == '[' && !addr.Is6()) {
		return netip.Addr{}, false
	}
	return addr.Unmap().WithZone(""), true
}

// isTrusted reports whether addr is within one of the trusted prefixes.
func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
