package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pagedUsers serves users in pages of the given sizes, linked by absolute
// @odata.nextLinks as Graph sends them.
func pagedUsers(sizes ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
		first := 0
		for _, n := range sizes[:i] {
			first += n
		}
		value := []map[string]any{}
		for k := first; k < first+sizes[i]; k++ {
			value = append(value, map[string]any{"id": fmt.Sprintf("u-%d", k), "accountEnabled": true, "businessPhones": []string{}})
		}
		body := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": value}
		if i+1 < len(sizes) {
			body["@odata.nextLink"] = fmt.Sprintf("http://%s/v1.0/users?$select=id&$top=3&$skiptoken=%d", r.Host, i+1)
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		sizes []int
	}{
		{"empty collection", []int{0}},
		{"one page", []int{3}},
		{"three pages", []int{3, 3, 1}},
		{"a last page that is empty", []int{3, 3, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			obs := &recorder{}
			c := newEnv(t, pagedUsers(tc.sizes...)).client(func(c *Config) { c.Observer = obs })
			users, err := collect(c.Users(t.Context(), true))
			if err != nil {
				t.Fatalf("Users: %v", err)
			}
			var want []string
			total := 0
			for _, n := range tc.sizes {
				total += n
			}
			for k := range total {
				want = append(want, fmt.Sprintf("u-%d", k))
			}
			var got []string
			for _, u := range users {
				got = append(got, u.ID)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("user ids (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.sizes, obs.pages); diff != "" {
				t.Errorf("OnPage items (-want +got):\n%s", diff)
			}
			if got, want := obs.requests[ReadUsers], len(tc.sizes); got != want {
				t.Errorf("requests: got %d, want %d", got, want)
			}
		})
	}
}

func TestPagingStopsWhenTheLoopStops(t *testing.T) {
	t.Parallel()
	obs := &recorder{}
	c := newEnv(t, pagedUsers(3, 3, 3)).client(func(c *Config) { c.Observer = obs })
	for _, err := range c.Users(t.Context(), false) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if got := obs.requests[ReadUsers]; got != 1 {
		t.Errorf("requests after breaking out of the first page: got %d, want 1", got)
	}
}

// TestReadURLs checks each read's request against sync.md "What is read".
func TestReadURLs(t *testing.T) {
	t.Parallel()
	const fields2 = "id,userPrincipalName,mail,displayName,givenName,surname,employeeId,officeLocation,department,mobilePhone,jobTitle,businessPhones,companyName,country,accountEnabled,createdDateTime,lastPasswordChangeDateTime,passwordPolicies,onPremisesSyncEnabled"
	for _, tc := range []struct {
		read string
		run  func(context.Context, *Client) error
		want string
	}{
		{ReadDomains, func(ctx context.Context, c *Client) error { _, err := collect(c.Domains(ctx)); return err },
			"/v1.0/domains"},
		{ReadUsers, func(ctx context.Context, c *Client) error { _, err := collect(c.Users(ctx, true)); return err },
			"/v1.0/users?$select=" + fields2 + ",signInActivity&$top=500"},
		{ReadUsers + " without signInActivity", func(ctx context.Context, c *Client) error { _, err := collect(c.Users(ctx, false)); return err },
			"/v1.0/users?$select=" + fields2 + "&$top=999"},
		{ReadRegistrationDetails, func(ctx context.Context, c *Client) error { _, err := collect(c.RegistrationDetails(ctx)); return err },
			"/v1.0/reports/authenticationMethods/userRegistrationDetails"},
		{ReadRiskyUsers, func(ctx context.Context, c *Client) error { _, err := collect(c.RiskyUsers(ctx)); return err },
			"/v1.0/identityProtection/riskyUsers"},
		{ReadManagedDevices, func(ctx context.Context, c *Client) error { _, err := collect(c.ManagedDevices(ctx)); return err },
			"/v1.0/deviceManagement/managedDevices?$select=id,userId,complianceState"},
		{ReadDeletedUsers, func(ctx context.Context, c *Client) error { _, err := collect(c.DeletedUsers(ctx)); return err },
			"/v1.0/directory/deletedItems/microsoft.graph.user?$select=" + fields2 + ",deletedDateTime&$top=999"},
		{ReadPolicies, func(ctx context.Context, c *Client) error {
			_, err := collect(c.ConditionalAccessPolicies(ctx))
			return err
		},
			"/v1.0/identity/conditionalAccess/policies"},
		{ReadGroupMembers, func(ctx context.Context, c *Client) error {
			_, err := collect(c.GroupUsers(ctx, "6c2b5a2e-0c67-4a44-9a3d-3a8f1d7f2b11"))
			return err
		}, "/v1.0/groups/6c2b5a2e-0c67-4a44-9a3d-3a8f1d7f2b11/transitiveMembers/microsoft.graph.user?$select=id&$top=999"},
		{ReadGroupMembers + " of a hostile id", func(ctx context.Context, c *Client) error {
			_, err := collect(c.GroupUsers(ctx, "../../users?x=1#"))
			return err
		}, "/v1.0/groups/..%2F..%2Fusers%3Fx=1%23/transitiveMembers/microsoft.graph.user?$select=id&$top=999"},
		{ReadRoleAssignments, func(ctx context.Context, c *Client) error { _, err := collect(c.RoleAssignments(ctx)); return err },
			"/v1.0/roleManagement/directory/roleAssignments?$select=principalId,roleDefinitionId"},
	} {
		t.Run(tc.read, func(t *testing.T) {
			t.Parallel()
			var got atomic.Value
			c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				got.Store(r.URL.RequestURI())
				writeJSON(w, http.StatusOK, map[string]any{"value": []any{}})
			}).client()
			if err := tc.run(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			if got := got.Load(); got != tc.want {
				t.Errorf("request: got %v, want %s", got, tc.want)
			}
		})
	}
}

// TestForeignNextLinkRefused checks that the token never leaves for a
// nextLink on another host.
func TestForeignNextLinkRefused(t *testing.T) {
	t.Parallel()
	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{"value": []any{}})
	}))
	defer foreign.Close()
	c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"value":           []any{map[string]any{"id": "contoso.com"}},
			"@odata.nextLink": foreign.URL + "/v1.0/domains?$skiptoken=2",
		})
	}).client()
	domains, err := collect(c.Domains(t.Context()))
	if err == nil || !strings.Contains(err.Error(), "refused @odata.nextLink") {
		t.Fatalf("error: got %v, want a refused nextLink", err)
	}
	if len(domains) != 1 {
		t.Errorf("items before the refusal: got %d, want 1", len(domains))
	}
	if n := foreignHits.Load(); n != 0 {
		t.Errorf("requests to the foreign host: got %d, want 0", n)
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	c, err := New(Config{GraphURL: "https://graph.example/g", EntraTenantID: testTenant, ClientID: testClientID,
		Credentials: Credentials{ClientSecret: testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	const current = "https://graph.example/g/v1.0/users?$top=999"
	for _, tc := range []struct {
		link, want string // want "" for a refusal
	}{
		{"https://graph.example/g/v1.0/users?$top=999&$skiptoken=X%2BY", "https://graph.example/g/v1.0/users?$top=999&$skiptoken=X%2BY"},
		{"https://GRAPH.example/g/v1.0/users?$skiptoken=2", "https://GRAPH.example/g/v1.0/users?$skiptoken=2"},
		{"/g/v1.0/users?$skiptoken=2", "https://graph.example/g/v1.0/users?$skiptoken=2"},
		{"https://evil.example/g/v1.0/users?$skiptoken=2", ""},
		{"https://graph.example.evil.example/g/v1.0/users", ""},
		{"http://graph.example/g/v1.0/users?$skiptoken=2", ""},
		{"https://graph.example:8443/g/v1.0/users", ""},
		{"https://user:pw@graph.example/g/v1.0/users", ""},
		{"https://graph.example/other/v1.0/users", ""},
		{"https://graph.example/gx/v1.0/users", ""},
		{"//evil.example/g/v1.0/users", ""},
		{current, ""},
		{"https://graph.example/g/%zz", ""},
	} {
		got, err := c.nextLink(current, tc.link)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("nextLink(%q): got %q, want a refusal", tc.link, got)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("nextLink(%q): got %q, %v, want %q", tc.link, got, err, tc.want)
		}
	}
}

func TestDecodePage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		items      int
		next       string
		err        string
	}{
		{"Graph's metadata and unknown properties are ignored",
			`{"@odata.context":"x","@odata.count":2,"value":[{"id":"a","newProperty":{"x":1}},{"id":"b"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=1"}`,
			2, "https://graph.microsoft.com/v1.0/users?$skiptoken=1", ""},
		{"nulls are zero values", `{"value":[{"id":"a","mail":null,"businessPhones":null,"signInActivity":null}]}`, 1, "", ""},
		{"Graph's seven fractional digits", `{"value":[{"id":"a","createdDateTime":"2021-03-04T05:06:07.1234567Z"}]}`, 1, "", ""},
		{"empty page", `{"value":[]}`, 0, "", ""},
		{"no value", `{"error":{"code":"x"}}`, 0, "", "no value array"},
		{"null value", `{"value":null}`, 0, "", "no value array"},
		{"null body", `null`, 0, "", "no value array"},
		{"not an object", `[1,2]`, 0, "", "invalid JSON"},
		{"not JSON", `<html>gateway</html>`, 0, "", "invalid JSON"},
		{"truncated", `{"value":[{"id":"a"`, 0, "", "invalid JSON"},
		{"a property of the wrong type", `{"value":[{"id":"a","accountEnabled":"yes"}]}`, 0, "", "invalid JSON"},
		{"a bad date", `{"value":[{"id":"a","createdDateTime":"yesterday"}]}`, 0, "", "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			page, err := decodePage[User]([]byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error: got %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: got %v, want none", err)
			}
			if len(page.Value) != tc.items || page.NextLink != tc.next {
				t.Errorf("page: got %d items, next %q; want %d, %q", len(page.Value), page.NextLink, tc.items, tc.next)
			}
		})
	}
}

// TestInvalidPageNamesTheRead checks the error a broken page gives the sync.
func TestInvalidPageNamesTheRead(t *testing.T) {
	t.Parallel()
	c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"value":[{"id":1}]}`))
	}).client()
	_, err := collect(c.RiskyUsers(t.Context()))
	if err == nil || !strings.HasPrefix(err.Error(), "graph riskyUsers: page 1: invalid JSON") {
		t.Errorf("error: got %v, want graph riskyUsers: page 1: invalid JSON…", err)
	}
}

func TestPageTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 1000
	body := `{"value":[{"id":"` + strings.Repeat("x", limit) + `"}]}`
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"with Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(body))
		}},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(body[:10]))
			w.(http.Flusher).Flush()
			w.Write([]byte(body[10:]))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			obs := &recorder{}
			c := newEnv(t, tc.handler).client(func(c *Config) { c.Observer = obs })
			c.maxPage = limit
			_, err := collect(c.Domains(t.Context()))
			if err == nil || !strings.Contains(err.Error(), "page over the limit of 1000 bytes") {
				t.Errorf("error: got %v, want a page over the limit", err)
			}
			if got := obs.requests[ReadDomains]; got != 1 {
				t.Errorf("requests: got %d, want 1 (not retried)", got)
			}
		})
	}
}

func TestDefaultPageLimit(t *testing.T) {
	t.Parallel()
	c := newEnv(t, nil).client()
	if c.maxPage != 64<<20 {
		t.Errorf("page limit: got %d, want 64 MiB", c.maxPage)
	}
}
