package openapi

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestDocumentIsValid loads the document as a client generator would and
// checks that it is a valid OpenAPI 3 document describing both paths.
func TestDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(Document)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	for _, p := range []string{
		"/partner/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security/users/batch",
		"/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security/users/batch",
		"/connect/token", "/.well-known/openid-configuration", "/.well-known/jwks.json", "/healthz",
	} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("path %s is missing", p)
		}
	}
	short := doc.Paths.Find("/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security/users/batch")
	if short != nil && (short.Get == nil || len(short.Get.Parameters) != 6) {
		t.Errorf("the short path must have the same six parameters as the public path")
	}
}

// TestEveryOperationDocumentsServerAnswers checks that every operation
// lists the answers any path can get besides its own: the server's JSON
// 405 and net/http's 431 (see the document's description).
func TestEveryOperationDocumentsServerAnswers(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(Document)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, status := range []int{405, 431} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s %s does not document %d", method, path, status)
				}
			}
		}
	}
}
