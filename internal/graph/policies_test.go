package graph

import (
	"net/http"
	"sync/atomic"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

func TestSecurityDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		body    any
		want    SecurityDefaults
		wantErr func(error) bool
	}{
		{"on", http.StatusOK, map[string]any{"@odata.context": "x", "id": "00000000-0000-0000-0000-000000000000", "isEnabled": true}, SecurityDefaults{IsEnabled: true}, nil},
		{"off", http.StatusOK, map[string]any{"isEnabled": false}, SecurityDefaults{}, nil},
		{"without the permission", http.StatusForbidden, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}},
			SecurityDefaults{}, IsUnlicensed},
		{"not JSON", http.StatusOK, "isEnabled", SecurityDefaults{}, func(err error) bool { return err != nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var uri atomic.Value
			c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				uri.Store(r.URL.RequestURI())
				if s, ok := tc.body.(string); ok {
					w.Write([]byte(s))
					return
				}
				writeJSON(w, tc.status, tc.body)
			}).client()
			got, err := c.SecurityDefaults(t.Context())
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !tc.wantErr(err) {
				t.Fatalf("SecurityDefaults: got error %v", err)
			}
			if got != tc.want {
				t.Errorf("SecurityDefaults: got %+v, want %+v", got, tc.want)
			}
			if uri.Load() != "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" {
				t.Errorf("request: got %v", uri.Load())
			}
		})
	}
}

// TestPreferUnknownEnumMembers checks that read 3 asks for method names
// newer than v1.0's enum, and that no other read does.
func TestPreferUnknownEnumMembers(t *testing.T) {
	t.Parallel()
	prefer := map[string]string{}
	var got atomic.Value
	c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Prefer"))
		writeJSON(w, http.StatusOK, map[string]any{"value": []any{
			map[string]any{"id": "u", "isMfaRegistered": true, "methodsRegistered": []string{"passKeySynced", "mobilePhone"}, "isAdmin": true},
		}})
	}).client()
	details, err := collect(c.RegistrationDetails(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	prefer[ReadRegistrationDetails] = got.Load().(string)
	want := []RegistrationDetail{{ID: "u", IsMfaRegistered: true, MethodsRegistered: []string{"passKeySynced", "mobilePhone"}, IsAdmin: true}}
	if diff := gocmp.Diff(want, details); diff != "" {
		t.Errorf("RegistrationDetails (-want +got):\n%s", diff)
	}
	if _, err := collect(c.RiskyUsers(t.Context())); err != nil {
		t.Fatal(err)
	}
	prefer[ReadRiskyUsers] = got.Load().(string)
	if diff := gocmp.Diff(map[string]string{ReadRegistrationDetails: "include-unknown-enum-members", ReadRiskyUsers: ""}, prefer); diff != "" {
		t.Errorf("Prefer header by read (-want +got):\n%s", diff)
	}
}
