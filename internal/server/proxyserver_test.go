package server_test

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/server"
)

// postTokenFrom sends a token request (without credentials: the address
// limit is spent before anything is checked) that claims to be forwarded
// for client, and returns the status.
func postTokenFrom(t *testing.T, base, client string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/connect/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "198.51.100.66, "+client) // the leftmost, client-written entry is never read
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestTrustedProxyAddressLimit shows the token endpoint's per-address limit
// keying on the forwarded client when the peer (this test, on loopback) is
// a trusted proxy, and on the peer, whatever the header says, when it is
// not: a client that could name its own address would never be limited.
func TestTrustedProxyAddressLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		trusted         []netip.Prefix
		wantOtherClient int // the status of another forwarded client, once the first is limited
	}{
		{"trusted peer", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, http.StatusBadRequest},
		{"untrusted peer", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, http.StatusTooManyRequests},
		{"no trusted proxies", nil, http.StatusTooManyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := startWith(t, func(c *server.Config) {
				c.TrustedProxies = tc.trusted
				// Two requests, then none for a thousand seconds: no refill
				// within the test, however slow the machine.
				c.Limits.TokenAddress = ratelimit.NewLocal(ratelimit.Limit{Rate: 0.001, Burst: 2})
			})
			for i := range 2 {
				if got := postTokenFrom(t, rs.url, "203.0.113.7"); got != http.StatusBadRequest {
					t.Fatalf("request %d of the burst: got %d, want 400 (no credentials)", i+1, got)
				}
			}
			if got := postTokenFrom(t, rs.url, "203.0.113.7"); got != http.StatusTooManyRequests {
				t.Fatalf("past the burst: got %d, want 429", got)
			}
			if got := postTokenFrom(t, rs.url, "203.0.113.8"); got != tc.wantOtherClient {
				t.Errorf("another forwarded client: got %d, want %d", got, tc.wantOtherClient)
			}
			wantIP := `"remoteIp":"127.0.0.1"` // the peer
			if tc.wantOtherClient == http.StatusBadRequest {
				wantIP = `"remoteIp":"203.0.113.8"` // the forwarded client
			}
			waitFor(t, func() bool { return strings.Contains(rs.logs.String(), wantIP) }, "an access log line with "+wantIP)
			if tc.wantOtherClient == http.StatusTooManyRequests && strings.Contains(rs.logs.String(), "203.0.113") {
				t.Errorf("the access log names a forwarded address from an untrusted peer:\n%s", rs.logs)
			}
		})
	}
}
