// Package storetest is the conformance suite of secusers.Store. Every backend
// runs it unchanged from its own tests, so that the backends are
// interchangeable: what the suite checks is the contract, and the suite
// assumes nothing about a backend beyond the Store interface. Beside the
// suite (Run) it holds what the backends share in their own tests: the
// concurrent-open test (RunOpenRace), the store benchmarks (RunBenchmarks),
// and fixtures (NewTenant, GeneratedUsers, ShuffledUsers, Seq).
//
// A backend's test calls Run with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) secusers.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
package storetest

import (
	"testing"

	"github.com/secusers/secusers/internal/secusers"
)

// A test checks one part of the contract on a fresh store.
type test struct {
	name string
	run  func(t *testing.T, s secusers.Store)
}

// suite lists the tests by area; each area is a subtest of Run.
var suite = []struct {
	area  string
	tests []test
}{
	{"Partners", partnerTests},
	{"Customers", customerTests},
	{"Tenants", tenantTests},
	{"Groups", groupTests},
	{"Apps", appTests},
	{"ClientSecrets", secretTests},
	{"ClientSecretRemoval", secretRemovalTests},
	{"ClientCertificates", certificateTests},
	{"AssertionIDs", assertionTests},
	{"Audit", auditTests},
	{"CrossPartner", crossPartnerTests},
	{"UserOrder", orderTests},
	{"UserPaging", pagingTests},
	{"UserKeyset", keysetTests},
	{"UserKeys", keysTests},
	{"UsersVersion", versionTests},
	{"UserFilters", filterTests},
	{"UserFields", fieldTests},
	{"ReplaceUsers", replaceTests},
	{"UsersIterator", iteratorTests},
	{"Isolation", isolationTests},
	{"SigningKeys", signingKeyTests},
	{"Sync", syncTests},
	{"Concurrency", concurrencyTests},
	{"Generations", generationTests},
}

// Run runs the conformance suite. open must return a fresh, empty store each
// time it is called; it may register cleanups on t. The tests run in
// parallel, each on its own store, and Run closes each store when its test
// ends (before open's own cleanups run).
func Run(t *testing.T, open func(t *testing.T) secusers.Store) {
	t.Helper()
	for _, area := range suite {
		t.Run(area.area, func(t *testing.T) {
			t.Parallel()
			for _, tc := range area.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					s := open(t)
					t.Cleanup(func() {
						if err := s.Close(); err != nil {
							t.Errorf("Close: got error %v, want nil", err)
						}
					})
					tc.run(t, s)
				})
			}
		})
	}
}
