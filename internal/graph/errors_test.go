package graph

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUnavailableReads checks how the sync tells a read the tenant cannot
// give (it marks statuses unavailable) from one that fails the run.
func TestUnavailableReads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                  string
		status                int
		code, message         string
		forbidden, unlicensed bool
	}{
		{"403 without a licence", 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license", true, true},
		{"403 without the permission", 403, "Authorization_RequestDenied",
			"Insufficient privileges to complete the operation.", true, true},
		{"400 naming signInActivity", 400, "BadRequest",
			"Tenant does not have a SKU required to read property 'signInActivity'.", false, true},
		{"Intune's 400 without Intune", 400, "BadRequest", "Request not applicable to target tenant.", false, true},
		{"another 400", 400, "BadRequest", "Invalid $select properties.", false, false},
		{"404", 404, "Request_ResourceNotFound", "Resource not found.", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("request-id", "hdr-req-id")
				graphError(w, tc.status, tc.code, tc.message)
			}).client()
			_, err := collect(c.Users(t.Context(), true))
			if got := IsForbidden(err); got != tc.forbidden {
				t.Errorf("IsForbidden: got %v, want %v", got, tc.forbidden)
			}
			if got := IsUnlicensed(err); got != tc.unlicensed {
				t.Errorf("IsUnlicensed: got %v, want %v", got, tc.unlicensed)
			}
			want := &Error{StatusCode: tc.status, Code: tc.code, Message: tc.message, RequestID: "hdr-req-id", Read: ReadUsers}
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("error: got %v, want a *graph.Error", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			wantMsg := fmt.Sprintf("graph users: HTTP %d %s: %s (request-id hdr-req-id)", tc.status, tc.code, tc.message)
			if err.Error() != wantMsg {
				t.Errorf("message: got %q, want %q", err, wantMsg)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"the request id of the inner error", status(404), "graph domains: HTTP 404 Not Found: status Not Found (request-id inner-req-id)"},
		{"a gateway's HTML page", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>Bad Gateway</html>", http.StatusNotImplemented)
		}, "graph domains: HTTP 501"},
		{"a huge message is cut", func(w http.ResponseWriter, r *http.Request) {
			graphError(w, 400, "BadRequest", strings.Repeat("é", 5000))
		}, "graph domains: HTTP 400 BadRequest: " + strings.Repeat("é", maxMessage/2) + "… (request-id inner-req-id)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := collect(newEnv(t, tc.h).client().Domains(t.Context()))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error: got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestIsThrottled(t *testing.T) {
	t.Parallel()
	c := newEnv(t, status(429)).client(func(c *Config) { c.MaxTries = 2 })
	_, err := collect(c.RiskyUsers(t.Context()))
	if !IsThrottled(err) || IsUnlicensed(err) {
		t.Errorf("IsThrottled, IsUnlicensed of %v: got %v, %v; want true, false", err, IsThrottled(err), IsUnlicensed(err))
	}
	if want := "graph riskyUsers: HTTP 429 Too Many Requests: status Too Many Requests (request-id inner-req-id) (gave up after 2 tries)"; err.Error() != want {
		t.Errorf("message: got %q, want %q", err, want)
	}
	for _, e := range []error{nil, errors.New("x"), &Error{StatusCode: 500}} {
		if IsThrottled(e) || IsForbidden(e) || IsUnlicensed(e) {
			t.Errorf("%v: classified as throttled, forbidden or unlicensed", e)
		}
	}
}
