package fakegraph

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// keysOf is the property names of each item of a page, in order.
func keysOf(t *testing.T, body []byte) (context string, keys [][]string) {
	t.Helper()
	var page struct {
		Context string            `json:"@odata.context"`
		Value   []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	for _, raw := range page.Value {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		var names []string
		_, _ = dec.Token() // {
		for dec.More() {
			k, _ := dec.Token()
			names = append(names, k.(string))
			var skip json.RawMessage
			_ = dec.Decode(&skip)
		}
		keys = append(keys, names)
	}
	return page.Context, keys
}

func TestSelect(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 120)
	tok := f.token()
	for _, tc := range []struct {
		path        string
		wantKeys    []string
		wantContext string
	}{
		{"/v1.0/users?$top=5", userDefaults, "/v1.0/$metadata#users"},
		{"/v1.0/users?$top=5&$select=displayName,signInActivity", []string{"id", "displayName", "signInActivity"}, "/v1.0/$metadata#users(displayName,signInActivity)"},
		{"/v1.0/users?$top=5&$select=ID,DisplayName,displayname", []string{"id", "displayName"}, "/v1.0/$metadata#users(id,displayName)"},
		{"/v1.0/users?$top=5&$select=" + selectOf(readPaths[ReadUsers]), append([]string{"id"}, strings.Split(selectOf(readPaths[ReadUsers]), ",")[1:]...), ""},
		{"/v1.0/directory/deletedItems/microsoft.graph.user?$top=5", userDefaults, "/v1.0/$metadata#users"},
		{"/v1.0/directory/deletedItems/microsoft.graph.user?$top=5&$select=userPrincipalName,deletedDateTime", []string{"id", "userPrincipalName", "deletedDateTime"}, "/v1.0/$metadata#users(userPrincipalName,deletedDateTime)"},
		{"/v1.0/deviceManagement/managedDevices?$top=5&$select=id,userId,complianceState", []string{"id", "userId", "complianceState"}, "/v1.0/$metadata#deviceManagement/managedDevices(id,userId,complianceState)"},
		{"/v1.0/identityProtection/riskyUsers?$top=5&$select=riskLevel", []string{"id", "riskLevel"}, "/v1.0/$metadata#identityProtection/riskyUsers(riskLevel)"},
		{"/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=5&$select=id,isMfaRegistered", []string{"id", "isMfaRegistered"}, "/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails(id,isMfaRegistered)"},
		{"/v1.0/domains?$select=id,passwordValidityPeriodInDays", []string{"id", "passwordValidityPeriodInDays"}, "/v1.0/$metadata#domains(id,passwordValidityPeriodInDays)"},
	} {
		resp, body := f.get(tc.path, tok)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: got %d %s", tc.path, resp.StatusCode, body)
			continue
		}
		ctx, keys := keysOf(t, body)
		if len(keys) == 0 {
			t.Errorf("%s: no items", tc.path)
		}
		for _, k := range keys {
			if diff := cmp.Diff(tc.wantKeys, k); diff != "" {
				t.Errorf("%s: properties differ (-want +got):\n%s", tc.path, diff)
				break
			}
		}
		if tc.wantContext != "" && ctx != f.http.URL+tc.wantContext {
			t.Errorf("%s: @odata.context %s, want %s", tc.path, ctx, f.http.URL+tc.wantContext)
		}
	}
}

// selectOf is the $select list of a path.
func selectOf(path string) string {
	_, sel, _ := strings.Cut(path, "$select=")
	return sel
}

func TestSelectKeepsOnNextLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 50)
	tok := f.token()
	items, _ := f.walk("/v1.0/users?$select=id,accountEnabled&$top=7", tok)
	for _, raw := range items {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if len(m) != 2 {
			t.Fatalf("got %s, want id and accountEnabled on every page", raw)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 10)
	tok := f.token()
	for _, tc := range []struct{ path, code, message string }{
		{"/v1.0/users?$select=id,nope", "Request_BadRequest", "Could not find a property named 'nope' on type 'Microsoft.DirectoryServices.User'."},
		{"/v1.0/directory/deletedItems/microsoft.graph.user?$select=id,signInActivity", "Request_BadRequest", "Could not find a property named 'signInActivity'"},
		{"/v1.0/users?$top=1000", "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"/v1.0/users?$top=0", "Request_UnsupportedQuery", "Invalid page size specified: '0'"},
		{"/v1.0/users?$top=x", "Request_UnsupportedQuery", "Invalid page size specified: 'x'"},
		// Graph's cap when signInActivity is selected.
		{"/v1.0/users?$select=id,signInActivity&$top=999", "Request_UnsupportedQuery", "Cannot query data for more than 500 users at a time."},
		{"/v1.0/identityProtection/riskyUsers?$top=501", "Request_UnsupportedQuery", "Must be between 1 and 500 inclusive."},
		{"/v1.0/users?$skip=10", "Request_BadRequest", "'$skip' is not supported by the service."},
		{"/v1.0/users?$filter=accountEnabled%20eq%20false", "BadRequest", "'$filter' is not supported by fakegraph"},
		{"/v1.0/groups", "BadRequest", "Resource not found for the segment 'groups'."},
	} {
		resp, body := f.get(tc.path, tok)
		e := graphErr(t, body)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.message) {
			t.Errorf("%s: got %d %s %q, want 400 %s %q", tc.path, resp.StatusCode, e.Error.Code, e.Error.Message, tc.code, tc.message)
		}
	}
	if resp, body := f.get("/v1.0/users?$select=id,signInActivity&$top=500", tok); resp.StatusCode != http.StatusOK {
		t.Errorf("$top=500 with signInActivity: got %d %s, want 200", resp.StatusCode, body)
	}
}

func TestSignInActivityShapes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, MinCoverage)
	items, _ := f.walk("/v1.0/users?$select=id,signInActivity&$top=500", f.token())
	var shapes []string
	for _, raw := range items {
		s := string(raw)
		switch {
		case strings.Contains(s, `"signInActivity":null`):
			shapes = append(shapes, "null")
		case strings.Contains(s, `"lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastNonInteractiveSignInRequestId":""`) &&
			strings.Contains(s, `"lastSuccessfulSignInDateTime":""`):
			shapes = append(shapes, "zero")
		case strings.Contains(s, `"lastSignInDateTime":null,"lastSignInRequestId":null,"lastNonInteractiveSignInDateTime":null`):
			shapes = append(shapes, "never")
		}
	}
	for _, want := range []string{"null", "zero", "never"} {
		if !slices.Contains(shapes, want) {
			t.Errorf("no signInActivity of shape %q", want)
		}
	}
}
