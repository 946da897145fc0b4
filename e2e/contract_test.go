package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestContractCatchesDrift makes sure the contract check can fail: responses
// that break the OpenAPI document in typical ways are reported.
func TestContractCatchesDrift(t *testing.T) {
	t.Parallel()
	const base = "http://127.0.0.1:9"
	c := newContract(t, base)
	path := base + usersPath("966f35cc-61f4-4070-819c-25cdbcf82a07", "0c7715b3-bc2f-4c4c-a8a0-f3634dcfacec")
	good := `{"data":[],"metadata":{"pageIndex":1,"pageSize":100,"totalCount":0}}`
	for _, tc := range []struct {
		name, body string
		status     int
		wantErr    bool
	}{
		{"conforming page", good, 200, false},
		{"null string", `{"data":[{"id":"x","userPrincipalName":null}],"metadata":{"pageIndex":1,"pageSize":100,"totalCount":1}}`, 200, true},
		{"missing metadata", `{"data":[]}`, 200, true},
		{"PascalCase field", `{"Data":[],"metadata":{"pageIndex":1,"pageSize":100,"totalCount":0}}`, 200, true},
		{"error without innerError", `{"error":{"code":"BadRequest","message":"x"}}`, 400, true},
		{"undocumented status", good, 418, true},
	} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "application/json; charset=utf-8")
		rec.WriteHeader(tc.status)
		resp := rec.Result()
		err := c.validate(req, resp, []byte(tc.body))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: got error %v, want error %v", tc.name, err, tc.wantErr)
		}
	}
}
