package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secusers/secusers/client"
)

// The client follows no redirect: a 307 of the token endpoint would make
// net/http send the client secret again to wherever it points, and one of
// the API would keep the bearer token for another port of the same host.
func TestRedirectsAreRefused(t *testing.T) {
	t.Parallel()
	// elsewhere is where the redirects point; it must hear nothing.
	var reached atomic.Int64
	var auth atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		io.Copy(io.Discard, r.Body)
	}))
	defer elsewhere.Close()
	redirect := func(w http.ResponseWriter) {
		w.Header().Set("Location", elsewhere.URL+"/stolen?x=1")
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	t.Run("token endpoint", func(t *testing.T) {
		tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			redirect(w)
		}))
		defer tokenSrv.Close()
		c := newClient(t, client.Config{TokenURL: tokenSrv.URL + "/token"})
		_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
		var tokErr *client.TokenError
		if !errors.As(err, &tokErr) || tokErr.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("got %v, want a TokenError 307 about the redirect", err)
		}
		if strings.Contains(err.Error(), "x=1") {
			t.Errorf("got %q, want the Location without its query", err)
		}
		if got := reached.Load(); got != 0 {
			t.Errorf("the redirect's target got %d requests, want none", got)
		}
	})
	t.Run("API", func(t *testing.T) {
		f := newFault(t, baseURL)
		// A client of the caller's with its own redirect policy, which
		// the SDK overrides but leaves alone.
		own := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		c := newClient(t, client.Config{BaseURL: f.srv.URL, HTTPClient: own})
		f.then(redirect)
		_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTemporaryRedirect || !strings.Contains(apiErr.Message, "redirect") {
			t.Errorf("got %v, want an APIError 307 about the redirect", err)
		}
		if got := reached.Load(); got != 0 {
			// Whether, not what: a failing test should not log a token.
			t.Errorf("the redirect's target got %d requests (with a bearer token: %v), want none", got, auth.Load() != "")
		}
		if own.CheckRedirect(nil, nil) != nil {
			t.Error("the caller's http.Client was changed")
		}
	})
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []client.Config{
		{ClientID: "x", ClientSecret: "s"},
		{BaseURL: "ftp://host", ClientID: "x", ClientSecret: "s"},
		{BaseURL: "https://host?x=1", ClientID: "x", ClientSecret: "s"},
		{BaseURL: "https://host", ClientSecret: "s"},
		{BaseURL: "https://host", ClientID: "x"},
		{BaseURL: "https://host", ClientID: "x", ClientSecret: "s", PrivateKey: fixture.rsaKey, Certificate: fixture.rsaCert},
		{BaseURL: "https://host", ClientID: "x", ClientSecret: "s", TokenURL: "/connect/token"},
	} {
		if _, err := client.New(cfg); err == nil {
			t.Errorf("New(%+v): got no error", cfg)
		}
	}
}
