package fakegraph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readPaths are the six reads as sync.md requests them, but with $top left
// to the test.
var readPaths = map[Endpoint]string{
	ReadDomains:       "/v1.0/domains",
	ReadUsers:         "/v1.0/users?$select=id,userPrincipalName,mail,displayName,givenName,surname,employeeId,officeLocation,department,mobilePhone,jobTitle,businessPhones,companyName,country,accountEnabled,createdDateTime,lastPasswordChangeDateTime,passwordPolicies,onPremisesSyncEnabled,signInActivity",
	ReadRegistrations: "/v1.0/reports/authenticationMethods/userRegistrationDetails",
	ReadRiskyUsers:    "/v1.0/identityProtection/riskyUsers",
	ReadDevices:       "/v1.0/deviceManagement/managedDevices?$select=id,userId,complianceState",
	ReadDeleted:       "/v1.0/directory/deletedItems/microsoft.graph.user?$select=id,userPrincipalName,mail,displayName,givenName,surname,employeeId,officeLocation,department,mobilePhone,jobTitle,businessPhones,companyName,country,accountEnabled,createdDateTime,lastPasswordChangeDateTime,passwordPolicies,onPremisesSyncEnabled,deletedDateTime",
}

// wantIDs is a read's ids in the tenant, in order.
func wantIDs(tn *Tenant, e Endpoint) []string {
	var ids []string
	switch e {
	case ReadDomains:
		for d := range tn.Domains.Values() {
			ids = append(ids, d.ID)
		}
	case ReadUsers:
		for u := range tn.Users.Values() {
			ids = append(ids, u.ID)
		}
	case ReadRegistrations:
		for r := range tn.Registrations.Values() {
			ids = append(ids, r.ID)
		}
	case ReadRiskyUsers:
		for r := range tn.RiskyUsers.Values() {
			ids = append(ids, r.ID)
		}
	case ReadDevices:
		for d := range tn.Devices.Values() {
			ids = append(ids, d.ID)
		}
	case ReadDeleted:
		for u := range tn.Deleted.Values() {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

func ids(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(items))
	for i, raw := range items {
		var v struct{ ID string }
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		out[i] = v.ID
	}
	return out
}

func withTop(path string, top int) string {
	if top == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "$top=" + strconv.Itoa(top)
}

func TestPagingWalksEveryItemOnce(t *testing.T) {
	t.Parallel()
	// 1100 users: more than one default page of every read.
	f := newFixture(t, 1100)
	tok := f.token()
	defaults := map[Endpoint]int{ReadDomains: 100, ReadUsers: 100, ReadRegistrations: 1000, ReadRiskyUsers: 100, ReadDevices: 1000, ReadDeleted: 100}
	for _, e := range Reads {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			want := wantIDs(f.tenant, e)
			for _, top := range []int{0, 1, 7, 100, 500} {
				if top == 1 && len(want) > 100 {
					continue // a page an item: slow, and 7 proves the same
				}
				items, pages := f.walk(withTop(readPaths[e], top), tok)
				if diff := cmp.Diff(want, ids(t, items)); diff != "" {
					t.Errorf("$top=%d: items differ (-want +got):\n%s", top, diff)
				}
				size := top
				if size == 0 {
					size = defaults[e]
				}
				if wantPages := max(1, (len(want)+size-1)/size); pages != wantPages {
					t.Errorf("$top=%d: got %d pages, want %d", top, pages, wantPages)
				}
			}
		})
	}
}

func TestPagingEmptyLastPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 300, WithEmptyLastPage())
	tok := f.token()
	items, pages := f.walk("/v1.0/users?$top=100", tok)
	if len(items) != 300 || pages != 4 {
		t.Errorf("got %d items in %d pages, want 300 in 4 (the last empty)", len(items), pages)
	}
	items, pages = f.walk("/v1.0/users?$top=120", tok)
	if len(items) != 300 || pages != 3 {
		t.Errorf("got %d items in %d pages, want 300 in 3", len(items), pages)
	}
}

func TestPagingEmptyCollection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	resp, body := f.get("/v1.0/users", f.token())
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"value":[]`) || strings.Contains(string(body), "nextLink") {
		t.Errorf("got %d %s, want 200 with an empty value and no nextLink", resp.StatusCode, body)
	}
}

// TestSkipTokenIsOpaque: a client cannot make or move a skiptoken.
func TestSkipTokenIsOpaque(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 500)
	tok := f.token()
	var page struct {
		NextLink string `json:"@odata.nextLink"`
	}
	_, body := f.get("/v1.0/users?$top=10", tok)
	if err := json.Unmarshal(body, &page); err != nil || page.NextLink == "" {
		t.Fatalf("no nextLink in %s", body)
	}
	u, _ := url.Parse(page.NextLink)
	skip := u.Query().Get("$skiptoken")
	if strings.Contains(skip, "10") {
		t.Errorf("skiptoken %q shows its offset", skip)
	}
	for name, path := range map[string]string{
		"edited":        "/v1.0/users?$skiptoken=" + skip[:len(skip)-2] + "AA",
		"made up":       "/v1.0/users?$skiptoken=20",
		"another read":  "/v1.0/directory/deletedItems/microsoft.graph.user?$skiptoken=" + skip,
		"not base64url": "/v1.0/users?$skiptoken=%25%25",
	} {
		resp, body := f.get(path, tok)
		if resp.StatusCode != http.StatusBadRequest || graphErr(t, body).Error.Code != "Directory_ExpiredPageToken" {
			t.Errorf("%s skiptoken: got %d %s, want 400 Directory_ExpiredPageToken", name, resp.StatusCode, body)
		}
	}
	// The same tenant served by another server accepts it, as Graph's
	// front ends do.
	other := NewServer(f.tenant)
	if off, ok := other.openSkipToken(ReadUsers, skip); !ok || off != 10 {
		t.Errorf("another server of the tenant: got %d, %v, want 10, true", off, ok)
	}
}
