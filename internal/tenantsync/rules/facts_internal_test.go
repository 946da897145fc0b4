package rules

import (
	"fmt"
	"testing"

	"github.com/secusers/secusers/internal/graph"
)

// TestFactsKeepOnlyFlagged checks the memory promise: records that flag no
// one leave nothing behind.
func TestFactsKeepOnlyFlagged(t *testing.T) {
	t.Parallel()
	var f Facts
	for i := range 10_000 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		f.AddRegistration(graph.RegistrationDetail{ID: id, IsMfaRegistered: true})
		f.AddRiskyUser(graph.RiskyUser{ID: id, RiskLevel: "high", RiskState: "remediated"})
		f.AddRiskyUser(graph.RiskyUser{ID: id, RiskLevel: "low", RiskState: "atRisk"})
		f.AddDevice(graph.ManagedDevice{ID: id, UserID: id, ComplianceState: "compliant"})
	}
	f.AddRegistration(graph.RegistrationDetail{ID: "00000000-0000-4000-8000-000000000001"})
	if got := len(f.mfaOff) + len(f.risk) + len(f.noncompliant); got != 1 {
		t.Errorf("Facts holds %d users, want 1 (the one flagged)", got)
	}
}

func TestKeyOf(t *testing.T) {
	t.Parallel()
	upper, ok1 := keyOf("0F8FAD5B-D9CB-469F-A165-70867728950E")
	lower, ok2 := keyOf("0f8fad5b-d9cb-469f-a165-70867728950e")
	if !ok1 || !ok2 || upper != lower {
		t.Errorf("keyOf: upper %x (%v), lower %x (%v), want equal keys", upper, ok1, lower, ok2)
	}
	for _, bad := range []string{"", "0f8fad5b", "{0f8fad5b-d9cb-469f-a165-70867728950e}", "0f8fad5bd9cb469fa16570867728950e"} {
		if _, ok := keyOf(bad); ok {
			t.Errorf("keyOf(%q): got a key, want none", bad)
		}
	}
}
