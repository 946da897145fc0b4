package client_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/server"
)

func TestTokenIsCached(t *testing.T) {
	t.Parallel()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{HTTPClient: hc})
	for range 5 {
		firstPage(t, c)
	}
	if _, err := c.Summary(context.Background(), customerID, tenantID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { firstPage(t, c) })
	}
	wg.Wait()
	if got := cnt.tokens.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1", got)
	}
	if got, want := cnt.api.Load(), int64(5+client.NumStatuses+1+20); got != want {
		t.Errorf("API requests: got %d, want %d", got, want)
	}
}

func TestConcurrentFirstCallsShareOneToken(t *testing.T) {
	t.Parallel()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{HTTPClient: hc})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { firstPage(t, c) })
	}
	wg.Wait()
	if got := cnt.tokens.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1", got)
	}
}

// A token that expires during a long iteration is renewed before it
// expires: the API never refuses it.
func TestTokenRenewedDuringIteration(t *testing.T) {
	t.Parallel()
	url, stop, err := startServer(fixture.store, func(c *server.Config) { c.TokenTTL = 2 * time.Second })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cnt, hc := newCounter()
	c := newClient(t, client.Config{BaseURL: url, HTTPClient: hc})
	n := 0
	for page, err := range c.Pages(context.Background(), customerID, tenantID, client.PageOptions{PageSize: 250}) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Data)
		time.Sleep(300 * time.Millisecond)
	}
	if want := securityUserCount(t, 0); int64(n) != want {
		t.Errorf("got %d users, want %d", n, want)
	}
	if got := cnt.tokens.Load(); got < 2 {
		t.Errorf("token requests: got %d over %d pages with 2-second tokens, want at least 2", got, cnt.api.Load())
	}
	if got := cnt.statuses[http.StatusUnauthorized].Load(); got != 0 {
		t.Errorf("got %d answers 401, want none: the token must be renewed before it expires", got)
	}
}

// A 401 for a cached token (a server restart with new keys) costs one new
// token and one retry; a second 401 is the caller's.
func TestUnauthorizedRenewsTokenOnce(t *testing.T) {
	t.Parallel()
	f := newFault(t, baseURL)
	cnt, hc := newCounter()
	c := newClient(t, client.Config{BaseURL: f.srv.URL, HTTPClient: hc})
	firstPage(t, c)
	f.then(status(http.StatusUnauthorized, "WWW-Authenticate", `Bearer error="invalid_token"`))
	firstPage(t, c)
	if got := cnt.tokens.Load(); got != 2 {
		t.Errorf("token requests: got %d, want 2", got)
	}
	f.then(status(http.StatusUnauthorized), status(http.StatusUnauthorized), status(http.StatusUnauthorized))
	_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	if got := cnt.tokens.Load(); got != 3 {
		t.Errorf("token requests: got %d, want 3 (one renewal for the second 401 series)", got)
	}
	if got := f.seen.Load(); got != 5 {
		t.Errorf("API requests: got %d, want 5", got)
	}
}

// Callers queued behind a failing token request get its error rather
// than each asking the token endpoint again.
func TestFailedTokenFetchIsShared(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	arrived, release := make(chan struct{}), make(chan struct{})
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(arrived)
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":"slow_down"}`)
	}))
	defer tokenSrv.Close()
	c := newClient(t, client.Config{TokenURL: tokenSrv.URL + "/token", MaxRetries: -1})
	const callers = 8
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
			errs <- err
		}()
	}
	<-arrived
	time.Sleep(200 * time.Millisecond) // for the other callers to queue
	close(release)
	for range callers {
		if err := <-errs; !errors.Is(err, client.ErrTooManyRequests) {
			t.Errorf("got %v, want ErrTooManyRequests", err)
		}
	}
	if got := requests.Load(); got != 1 {
		t.Errorf("token requests: got %d, want 1", got)
	}
}

// recorder keeps the client assertions a client sends.
type recorder struct {
	mu         sync.Mutex
	assertions []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == client.TokenPath && req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		r.assertions = append(r.assertions, form.Get("client_assertion"))
		r.mu.Unlock()
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	// Tokens of a second make the client fetch a second one, with a new
	// assertion, which the server accepts only with a new jti.
	url, stop, err := startServer(fixture.store, func(c *server.Config) { c.TokenTTL = time.Second })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			cfg := client.Config{BaseURL: url, ClientID: fixture.certClientID, Certificate: fixture.rsaCert, PrivateKey: fixture.rsaKey}
			if alg == "ES256" {
				cfg.Certificate, cfg.PrivateKey = fixture.ecdsaCert, fixture.ecdsaKey
			}
			rec := &recorder{}
			cfg.HTTPClient = &http.Client{Transport: rec}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			firstPage(t, c)
			time.Sleep(time.Second)
			firstPage(t, c)
			if len(rec.assertions) != 2 {
				t.Fatalf("got %d token requests, want 2", len(rec.assertions))
			}
			var jtis []string
			for _, a := range rec.assertions {
				header, claims := decodeJWT(t, a)
				if header["alg"] != alg || header["x5t#S256"] == "" || header["x5t"] == "" {
					t.Errorf("header %v: want alg %s, x5t and x5t#S256", header, alg)
				}
				if claims["aud"] != url+client.TokenPath || claims["iss"] != fixture.certClientID || claims["sub"] != fixture.certClientID {
					t.Errorf("claims %v: want aud the token URL, iss and sub the client id", claims)
				}
				if life := claims["exp"].(float64) - claims["iat"].(float64); life != 300 {
					t.Errorf("assertion lifetime %v s, want 300", life)
				}
				jtis = append(jtis, claims["jti"].(string))
			}
			if jtis[0] == jtis[1] || jtis[0] == "" {
				t.Errorf("jti %q then %q, want fresh ones", jtis[0], jtis[1])
			}
		})
	}
	t.Run("key of another certificate", func(t *testing.T) {
		_, err := client.New(client.Config{BaseURL: url, ClientID: fixture.certClientID, Certificate: fixture.rsaCert, PrivateKey: fixture.ecdsaKey})
		if err == nil {
			t.Error("New with a key that is not the certificate's: got no error")
		}
	})
}

func decodeJWT(t *testing.T, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("assertion %q is not a JWS", raw)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}
