package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"

	"github.com/secusers/secusers/client"
)

// Error messages carry no control or format characters from the server,
// which could drive the terminal or reorder what the reader sees.
func TestErrorTextIsPrintable(t *testing.T) {
	t.Parallel()
	// JSON escapes of an OSC 8 link, a screen clear, bidi overrides, a
	// zero-width space, a line separator and a line break.
	const hostile = `\u001b]8;;http://evil\u0007click\u001b[2J \u202eevil\u2066 \u200bx\u2028y\r\nz`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_client\u001b[2J","error_description":"`+hostile+`"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"code":"Forbidden\u202e","message":"`+hostile+`","innerError":{"request-id":"r\u0007"}}}`)
	}))
	defer srv.Close()
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
	}))
	defer tokenSrv.Close()
	for _, tc := range []struct {
		name     string
		tokenURL string
	}{
		{"token error", srv.URL + "/token"},
		{"API error", tokenSrv.URL + "/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, client.Config{BaseURL: srv.URL, TokenURL: tc.tokenURL})
			_, err := c.SecurityUsers(context.Background(), customerID, tenantID, client.PageOptions{})
			if err == nil {
				t.Fatal("got no error")
			}
			msg := err.Error()
			if i := strings.IndexFunc(msg, func(r rune) bool {
				return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
			}); i >= 0 {
				t.Errorf("got %q, want no control or format characters", msg)
			}
			if !strings.Contains(msg, "evil") {
				t.Errorf("got %q, want the server's text, made printable", msg)
			}
		})
	}
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cnt, hc := newCounter()
	demoApp := newClient(t, client.Config{HTTPClient: hc})
	for _, tc := range []struct {
		name       string
		customer   string
		tenant     string
		opts       client.PageOptions
		kind       error
		status     int
		code, text string
	}{
		{"page size", customerID, tenantID, client.PageOptions{PageSize: 5000}, client.ErrBadRequest, 400, "BadRequest", "pageSize"},
		{"page index", customerID, tenantID, client.PageOptions{PageIndex: -1}, client.ErrBadRequest, 400, "BadRequest", "pageIndex"},
		{"customer id", "not-a-guid", tenantID, client.PageOptions{}, client.ErrBadRequest, 400, "BadRequest", "customerId"},
		{"unknown customer", "00000000-0000-4000-8000-000000000000", tenantID, client.PageOptions{}, client.ErrNotFound, 404, "NotFound", ""},
		{"another customer's tenant", customerID, fixture.otherTenantID, client.PageOptions{}, client.ErrNotFound, 404, "NotFound", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := cnt.api.Load()
			_, err := demoApp.SecurityUsers(ctx, tc.customer, tc.tenant, tc.opts)
			checkAPIError(t, err, tc.kind, tc.status, tc.code, tc.text)
			if got := cnt.api.Load() - before; got != 1 {
				t.Errorf("API requests: got %d, want 1 (a 4xx is not retried)", got)
			}
		})
	}
	t.Run("app scoped to another customer", func(t *testing.T) {
		other := newClient(t, client.Config{ClientID: fixture.otherClientID, ClientSecret: fixture.otherSecret})
		_, err := other.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		checkAPIError(t, err, client.ErrForbidden, 403, "Forbidden", "")
		if _, err := other.SecurityUsers(ctx, fixture.otherCustomerID, fixture.otherTenantID, client.PageOptions{}); err != nil {
			t.Errorf("the app's own customer: %v", err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		cnt, hc := newCounter()
		c := newClient(t, client.Config{ClientID: clientID, ClientSecret: "wrong", HTTPClient: hc})
		_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		var tokErr *client.TokenError
		if !errors.As(err, &tokErr) || tokErr.Code != "invalid_client" || !errors.Is(err, client.ErrInvalidClient) {
			t.Fatalf("got %v, want a TokenError invalid_client", err)
		}
		if tokErr.StatusCode != http.StatusBadRequest && tokErr.StatusCode != http.StatusUnauthorized {
			t.Errorf("got status %d, want 400 or 401", tokErr.StatusCode)
		}
		if cnt.tokens.Load() != 1 || cnt.api.Load() != 0 {
			t.Errorf("got %d token and %d API requests, want 1 and 0", cnt.tokens.Load(), cnt.api.Load())
		}
	})
	t.Run("scope not granted", func(t *testing.T) {
		c := newClient(t, client.Config{ClientID: clientID, ClientSecret: secret, Scopes: []string{"partner.customer.read.all"}})
		_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		if !errors.Is(err, client.ErrInvalidScope) {
			t.Fatalf("got %v, want ErrInvalidScope", err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		// A token endpoint that hands out tokens the API cannot verify.
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"not.a.jwt","token_type":"Bearer","expires_in":3600}`)
		}))
		defer fake.Close()
		c := newClient(t, client.Config{ClientID: clientID, ClientSecret: secret, TokenURL: fake.URL + "/token"})
		_, err := c.SecurityUsers(ctx, customerID, tenantID, client.PageOptions{})
		checkAPIError(t, err, client.ErrUnauthorized, 401, "Unauthorized", "")
	})
}

// checkAPIError checks err is an *APIError of the kind, status and code,
// with a request id and a date, whose message mentions text.
func checkAPIError(t *testing.T, err error, kind error, status int, code, text string) {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v (%T), want an *APIError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("errors.Is(%v, %v) is false", err, kind)
	}
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Errorf("got %d %s, want %d %s", apiErr.StatusCode, apiErr.Code, status, code)
	}
	if apiErr.RequestID == "" || apiErr.Date.IsZero() {
		t.Errorf("got request id %q and date %v, want both", apiErr.RequestID, apiErr.Date)
	}
	if !strings.Contains(apiErr.Message, text) || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Errorf("got %q, want the message to mention %q and the error the request id", err, text)
	}
}
