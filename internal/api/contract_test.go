package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/openapi"
)

// TestOverviewConformsToOpenAPI checks the overview endpoints' answers,
// successes and errors, against the OpenAPI document, as the end-to-end
// tests check every answer of the real server.
func TestOverviewConformsToOpenAPI(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: testBaseURL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.replaceUsers(t, ten2, []secusers.User{
		user(guid(6, 201), "Fabrikam User", secusers.StatusSetOf(secusers.MFADisabled, secusers.TestUser)),
		user(guid(6, 202), "Fabrikam Admin", secusers.StatusSetOf(secusers.SignInBlocked)),
	})
	for _, target := range []string{
		historyURL(true, cust1, ten1), historyURL(false, cust1, ten1Empty) + "?from=2026-11-01&to=2026-11-02",
		historyURL(true, cust1, ten1) + "?from=2020-01-01", historyURL(true, cust2, ten1),
		tenantChangesURL(true, cust2, ten2) + "?pageSize=1", tenantChangesURL(false, cust2, ten2),
		changesURL(true) + "?pageSize=2&customerId=" + cust2, changesURL(false) + "?groupId=" + group1,
		changesURL(true) + "?since=x", changesURL(false) + "?deltaToken=x",
	} {
		rec := f.do(t, http.MethodGet, testBaseURL+target, tokAll)
		req := httptest.NewRequest(http.MethodGet, testBaseURL+target, nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s: no route in the document: %v", target, err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			},
			Status:  rec.Code,
			Header:  rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s: the %d answer does not conform to the document: %v\n%s", target, rec.Code, err, rec.Body)
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodDelete} {
		if rec := f.do(t, method, changesURL(true), tokAll); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: got %d, want 405", method, rec.Code)
		}
	}
}
