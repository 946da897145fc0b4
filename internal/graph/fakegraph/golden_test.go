package fakegraph

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenPages are one page of each read: as the sync requests it, and the
// default shapes of the reads it narrows with $select. The pages are
// Graph's documented shapes; a change to them is a change of contract.
var goldenPages = []struct{ name, path string }{
	{"domains", "/v1.0/domains"},
	{"users", readPaths[ReadUsers] + "&$top=3"},
	{"users_default", "/v1.0/users?$top=2"},
	{"registrations", "/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=3"},
	{"risky_users", "/v1.0/identityProtection/riskyUsers?$top=3"},
	{"devices", readPaths[ReadDevices] + "&$top=3"},
	{"devices_default", "/v1.0/deviceManagement/managedDevices?$top=2"},
	{"deleted_users", readPaths[ReadDeleted] + "&$top=3"},
}

// goldenServer serves a fixed tenant at a fixed host, so pages (links and
// skiptokens included) are the same on every run.
func goldenServer(t *testing.T) (*Server, string) {
	t.Helper()
	s := NewServer(Generate(42, MinCoverage, testNow, GenerateOptions{TenantID: "8f3e2b1a-4c5d-4e6f-8a9b-0c1d2e3f4a5b"}),
		WithClock(func() time.Time { return testNow }))
	tok, err := s.issueAccessToken(testClient)
	if err != nil {
		t.Fatal(err)
	}
	return s, tok
}

func getPage(t *testing.T, s *Server, tok, path string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://graph.fake"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: got %d %s", path, w.Code, w.Body)
	}
	return w.Body.Bytes()
}

func TestGoldenPages(t *testing.T) {
	t.Parallel()
	s, tok := goldenServer(t)
	for _, g := range goldenPages {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, getPage(t, s, tok, g.path), "", "  "); err != nil {
			t.Fatalf("%s: not JSON: %v", g.name, err)
		}
		pretty.WriteByte('\n')
		file := filepath.Join("testdata", g.name+".golden")
		if *update {
			if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", g.name, file, diff)
		}
	}
}

// TestPagesDecodeIntoGraphTypes: what the fake writes is what the graph
// package's types read back, field for field.
func TestPagesDecodeIntoGraphTypes(t *testing.T) {
	t.Parallel()
	s, tok := goldenServer(t)
	tn := s.Tenant()
	first := func(c Collection[graph.User], n int) []graph.User { return slices.Collect(c.Values())[:n] }
	checkPage(t, getPage(t, s, tok, readPaths[ReadUsers]+"&$top=12"), first(tn.Users, 12))
	checkPage(t, getPage(t, s, tok, readPaths[ReadDeleted]+"&$top=3"), first(tn.Deleted, 3))
	checkPage(t, getPage(t, s, tok, readPaths[ReadDomains]), slices.Collect(tn.Domains.Values()))
	var regs []graph.RegistrationDetail
	for r := range tn.Registrations.Values() {
		regs = append(regs, r.RegistrationDetail)
	}
	checkPage(t, getPage(t, s, tok, readPaths[ReadRegistrations]), regs[:tn.Registrations.Len])
	var risky []graph.RiskyUser
	for r := range tn.RiskyUsers.Values() {
		risky = append(risky, r.RiskyUser)
	}
	checkPage(t, getPage(t, s, tok, readPaths[ReadRiskyUsers]), risky[:min(100, len(risky))])
	var devices []graph.ManagedDevice
	for d := range tn.Devices.Values() {
		devices = append(devices, d.ManagedDevice)
	}
	checkPage(t, getPage(t, s, tok, readPaths[ReadDevices]), devices)
}

func checkPage[T any](t *testing.T, body []byte, want []T) {
	t.Helper()
	var page graph.Page[T]
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("decoding into graph.Page[%T]: %v", *new(T), err)
	}
	if diff := cmp.Diff(want, page.Value); diff != "" {
		t.Errorf("graph.Page[%T] differs from the tenant (-tenant +decoded):\n%s", *new(T), diff)
	}
}
