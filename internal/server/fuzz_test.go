package server

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// FuzzClientAddr feeds X-Forwarded-For values, as any client may send them,
// to the trusted-proxy derivation. Whatever the header, it must not panic,
// must ignore the header of an untrusted peer, and may only name an address
// that is one of the header's entries and is not itself a trusted proxy.
func FuzzClientAddr(f *testing.F) {
	for _, seed := range []struct{ peer, header string }{
		{"10.1.2.3:40000", "203.0.113.7"},
		{"10.1.2.3:40000", "1.1.1.1, 203.0.113.7, 10.9.9.9"},
		{"10.1.2.3:40000", "[2001:db8::1]:4711, 10.0.0.1"},
		{"10.1.2.3:40000", "::ffff:203.0.113.7"},
		{"10.1.2.3:40000", "fe80::1%eth0"},
		{"10.1.2.3:40000", "unknown, 10.0.0.1"},
		{"198.51.100.1:5000", "203.0.113.7"},
		{"[2001:db8:1::5]:443", "2001:db8:2::7"},
		{"10.1.2.3:40000", ",,, ,"},
	} {
		f.Add(seed.peer, seed.header)
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48")}
	f.Fuzz(func(t *testing.T, peer, header string) {
		addr, ok := clientAddr(peer, []string{header}, trusted)
		p, err := netip.ParseAddrPort(peer)
		if err != nil || !isTrusted(p.Addr().Unmap(), trusted) {
			if ok {
				t.Fatalf("peer %q is not a trusted proxy, yet its header %q named %v", peer, header, addr)
			}
			return
		}
		if !ok {
			return
		}
		if !addr.IsValid() || addr.Zone() != "" || addr.Is4In6() {
			t.Fatalf("header %q: got %v, want a plain address", header, addr)
		}
		var entries []netip.Addr
		for e := range strings.SplitSeq(header, ",") {
			if a, ok := parseForwarded(strings.TrimSpace(e)); ok {
				entries = append(entries, a)
			}
		}
		if !slices.Contains(entries, addr) {
			t.Fatalf("header %q: got %v, which is none of its entries", header, addr)
		}
		if isTrusted(addr, trusted) {
			t.Fatalf("header %q: got the trusted proxy %v as the client", header, addr)
		}
	})
}

// FuzzCleanPath checks the canonical form the server compares request paths
// with: it is rooted, cleaning it again changes nothing (so a canonical
// path is never refused), and it has no "." or ".." segment or "//" left.
func FuzzCleanPath(f *testing.F) {
	for _, p := range []string{"", "/", "//", "/a/../b", "/partner//external", "/./x/", "a/b", "/x/.", "/%2e%2e/"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c := cleanPath(p)
		if !strings.HasPrefix(c, "/") {
			t.Fatalf("cleanPath(%q) = %q, want it rooted", p, c)
		}
		if again := cleanPath(c); again != c {
			t.Fatalf("cleanPath(%q) = %q, but cleanPath of that is %q", p, c, again)
		}
		if strings.Contains(c, "//") || strings.Contains(c, "/./") || strings.Contains(c, "/../") ||
			strings.HasSuffix(c, "/.") || strings.HasSuffix(c, "/..") {
			t.Fatalf("cleanPath(%q) = %q, which still has an empty, . or .. segment", p, c)
		}
	})
}
