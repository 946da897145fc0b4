package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/server"
)

// TestSlowClientIsCutOff sends a request header one byte a second, the
// slowloris pattern: the server must close the connection once its header
// timeout passes, long before the header is complete.
func TestSlowClientIsCutOff(t *testing.T) {
	t.Parallel()
	rs := startWith(t, func(c *server.Config) { c.Timeouts.ReadHeader = time.Second })
	conn, err := net.Dial("tcp", strings.TrimPrefix(rs.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	header := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 30) + "\r\n\r\n"
	start := time.Now()
	closed := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(conn) // returns when the server closes the connection
		closed <- err
	}()
	sent := 0
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for sent < len(header) {
		select {
		case <-closed:
			if elapsed := time.Since(start); sent >= len(header) {
				t.Fatalf("the connection stayed open until the whole header was sent (%v)", elapsed)
			}
			t.Logf("cut off after %d of %d bytes, %v", sent, len(header), time.Since(start).Round(time.Millisecond))
			return
		case <-ticker.C:
			if _, err := conn.Write([]byte{header[sent]}); err != nil {
				t.Logf("write refused after %d of %d bytes, %v: %v", sent, len(header), time.Since(start).Round(time.Millisecond), err)
				return
			}
			sent++
		}
	}
	t.Fatalf("the server read the whole header at one byte a second (%v) without cutting the connection", time.Since(start))
}

// TestSilentConnectionIsClosed opens a connection and sends nothing: the
// server must not keep it forever.
func TestSilentConnectionIsClosed(t *testing.T) {
	t.Parallel()
	rs := startWith(t, func(c *server.Config) { c.Timeouts.ReadHeader = time.Second; c.Timeouts.Idle = time.Second })
	conn, err := net.Dial("tcp", strings.TrimPrefix(rs.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // the test's own bound
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a silent connection open for 10 s")
	}
}

func TestLongQueryIsRefused(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	resp, body := get(t, rs.url+"/healthz?x="+strings.Repeat("a", 5000))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d %s, want 400", resp.StatusCode, body)
	}
	if e := decodeError(t, resp, body); !strings.Contains(e.Error.Message, "query string is longer") {
		t.Errorf("got message %q, want one naming the query string's length", e.Error.Message)
	}
}

func TestHeaderSizeIsBounded(t *testing.T) {
	t.Parallel()
	rs := start(t, nil)
	req, _ := http.NewRequest(http.MethodGet, rs.url+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 100<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("got %d, want 431", resp.StatusCode)
	}
}

// limitedServer runs a server on demo data whose limits are Local buckets
// of one request a second with the given bursts.
func limitedServer(t *testing.T, apiBurst, tokenBurst int) (*running, demo.Result) {
	t.Helper()
	store := openStore(t)
	d, err := demo.Ensure(context.Background(), store, time.Now(), demo.Config{Users: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rs := startWith(t, func(c *server.Config) {
		c.Store = store
		c.Limits = server.Limiters{
			API:          ratelimit.NewLocal(ratelimit.Limit{Rate: 1, Burst: apiBurst}),
			TokenClient:  ratelimit.NewLocal(ratelimit.Limit{Rate: 1, Burst: tokenBurst}),
			TokenAddress: ratelimit.NewLocal(ratelimit.Limit{Rate: 1, Burst: tokenBurst + 1}),
		}
	})
	return rs, d
}

func tokenRequest(t *testing.T, base string, d demo.Result) (*http.Response, []byte) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {d.ClientID}, "client_secret": {d.ClientSecret}}
	resp, err := http.PostForm(base+"/connect/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func retryAfter(t *testing.T, resp *http.Response) time.Duration {
	t.Helper()
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

// TestAPIRateLimit spends an app's burst, gets a 429 with Retry-After and
// the spec's error body, waits what it says, and is served again.
func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	rs, d := limitedServer(t, 3, 10)
	resp, body := tokenRequest(t, rs.url, d)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	page := rs.url + "/partner/external/v3/um/customers/" + d.CustomerID + "/tenants/" + d.TenantID + "/overview/security/users/batch"
	call := func() (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, page, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	var limited *http.Response
	for i := range 10 {
		resp, body := call()
		if resp.StatusCode == http.StatusTooManyRequests {
			if i < 3 {
				t.Fatalf("request %d refused within the burst of 3", i+1)
			}
			if e := decodeError(t, resp, body); e.Error.Code != "TooManyRequests" || e.Error.InnerError.RequestID == "" {
				t.Fatalf("429 body = %s, want code TooManyRequests with a request id", body)
			}
			limited = resp
			break
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if limited == nil {
		t.Fatal("10 requests at once were all served with a burst of 3")
	}
	time.Sleep(retryAfter(t, limited))
	if resp, body := call(); resp.StatusCode != http.StatusOK {
		t.Fatalf("after waiting Retry-After: %d %s, want 200", resp.StatusCode, body)
	}
}

// TestTokenRateLimit does the same at the token endpoint, whose 429 has the
// OAuth error shape.
func TestTokenRateLimit(t *testing.T) {
	t.Parallel()
	rs, d := limitedServer(t, 10, 2)
	var limited *http.Response
	for i := range 10 {
		resp, body := tokenRequest(t, rs.url, d)
		if resp.StatusCode == http.StatusTooManyRequests {
			if i < 2 {
				t.Fatalf("token request %d refused within the burst of 2", i+1)
			}
			var e struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Fatalf("429 body = %s, want an OAuth error", body)
			}
			limited = resp
			break
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("token request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if limited == nil {
		t.Fatal("10 token requests at once were all served with a burst of 2")
	}
	time.Sleep(retryAfter(t, limited))
	if resp, body := tokenRequest(t, rs.url, d); resp.StatusCode != http.StatusOK {
		t.Fatalf("after waiting Retry-After: %d %s, want 200", resp.StatusCode, body)
	}
}
