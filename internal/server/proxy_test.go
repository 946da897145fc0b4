package server

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("2001:db8:1::/48"),
	}
	const peer = "10.1.2.3:40000" // a trusted load balancer
	for _, tc := range []struct {
		name       string
		remoteAddr string
		forwarded  []string
		want       string // "" when the peer stays the client
	}{
		{"no header", peer, nil, ""},
		{"empty header", peer, []string{""}, ""},
		{"one hop", peer, []string{"203.0.113.7"}, "203.0.113.7"},
		{"spoofed header from an untrusted peer", "198.51.100.1:5000", []string{"203.0.113.7"}, ""},
		{"spoofed entry left of the client", peer, []string{"1.1.1.1, 203.0.113.7"}, "203.0.113.7"},
		{"chain of trusted proxies", peer, []string{"203.0.113.7, 192.0.2.10, 10.9.9.9"}, "203.0.113.7"},
		{"untrusted proxy in the chain is the client", peer, []string{"203.0.113.7, 198.51.100.9, 10.9.9.9"}, "198.51.100.9"},
		{"several header fields are one list", peer, []string{"1.1.1.1, 203.0.113.7", "192.0.2.10"}, "203.0.113.7"},
		{"every hop trusted: the peer stays the client", peer, []string{"10.0.0.5, 192.0.2.10"}, ""},
		{"entry with a port", peer, []string{"203.0.113.7:4711"}, "203.0.113.7"},
		{"IPv6 client", peer, []string{"2001:db8:2::1"}, "2001:db8:2::1"},
		{"IPv6 client in brackets with a port", peer, []string{"[2001:db8:2::1]:4711"}, "2001:db8:2::1"},
		{"IPv6 client in brackets", peer, []string{"[2001:db8:2::1]"}, "2001:db8:2::1"},
		{"IPv6 client with a zone", peer, []string{"fe80::1%eth0"}, "fe80::1"},
		{"IPv6 trusted peer and proxy", "[2001:db8:1::5]:443", []string{"203.0.113.7, 2001:db8:1::6"}, "203.0.113.7"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:40000", []string{"203.0.113.7"}, "203.0.113.7"},
		{"IPv4-mapped client", peer, []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"malformed client", peer, []string{"not-an-address"}, ""},
		{"malformed entry before the client", peer, []string{"203.0.113.7, garbage, 10.9.9.9"}, ""},
		{"empty entry before the client", peer, []string{"203.0.113.7, , 10.9.9.9"}, ""},
		{"malformed entry left of the client is not read", peer, []string{"garbage, 203.0.113.7"}, "203.0.113.7"},
		{"obfuscated identifier", peer, []string{"unknown"}, ""},
		{"IPv4 in brackets", peer, []string{"[203.0.113.7]"}, ""},
		{"half a bracket", peer, []string{"[2001:db8:2::1"}, ""},
		{"CIDR is not an address", peer, []string{"203.0.113.0/24"}, ""},
		{"peer without a port", "10.1.2.3", []string{"203.0.113.7"}, ""},
		{"peer that is no address", "@", []string{"203.0.113.7"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := clientAddr(tc.remoteAddr, tc.forwarded, trusted)
			if tc.want == "" {
				if ok {
					t.Errorf("got client %s, want the peer", got)
				}
				return
			}
			if !ok || got != netip.MustParseAddr(tc.want) {
				t.Errorf("got %s (%v), want %s", got, ok, tc.want)
			}
		})
	}
}

func TestClientAddrWithoutTrustedProxies(t *testing.T) {
	t.Parallel()
	if got, ok := clientAddr("127.0.0.1:5000", []string{"203.0.113.7"}, nil); ok {
		t.Errorf("got client %s with no trusted proxy, want the peer", got)
	}
}
