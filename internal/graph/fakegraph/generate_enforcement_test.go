package fakegraph

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
)

func TestGenerateNoEnforcement(t *testing.T) {
	tn := Generate(3, 500, time.Now(), GenerateOptions{})
	if tn.SecurityDefaults || tn.Policies.Len != 0 || tn.Groups != nil || tn.RoleAssignments.Len != 0 {
		t.Errorf("a tenant generated without enforcement options: got security defaults %v, %d policies, %d groups, %d role assignments; want none",
			tn.SecurityDefaults, tn.Policies.Len, len(tn.Groups), tn.RoleAssignments.Len)
	}
	if on := Generate(3, 500, time.Now(), GenerateOptions{Enforcement: EnforcementOptions{SecurityDefaults: true}}); !on.SecurityDefaults || on.Policies.Len != 0 {
		t.Errorf("SecurityDefaults: got %v and %d policies, want on and none", on.SecurityDefaults, on.Policies.Len)
	}
}

func TestGenerateConditionalAccess(t *testing.T) {
	const n = 3000
	now := time.Now()
	tn := Generate(3, n, now, GenerateOptions{Enforcement: EnforcementOptions{ConditionalAccess: true}})
	ids := slices.Collect(func(yield func(string) bool) {
		for u := range tn.Users.Values() {
			if !yield(u.ID) {
				return
			}
		}
	})
	// Every state and grant kind is there.
	states, grants := map[string]bool{}, map[string]bool{}
	for p := range tn.Policies.Values() {
		states[p.State] = true
		g := p.GrantControls
		grants[g.Operator] = true
		for _, c := range g.BuiltInControls {
			grants[c] = true
		}
		if g.AuthenticationStrength != nil {
			grants["authenticationStrength"] = true
		}
	}
	if diff := cmp.Diff(map[string]bool{graph.PolicyEnabled: true, graph.PolicyReportOnly: true, graph.PolicyDisabled: true}, states); diff != "" {
		t.Errorf("policy states (-want +got):\n%s", diff)
	}
	for _, kind := range []string{"AND", "OR", "mfa", "block", "compliantDevice", "authenticationStrength"} {
		if !grants[kind] {
			t.Errorf("no generated policy has grant %q", kind)
		}
	}
	// Groups hold the users their strides say, and GroupFinance holds
	// GroupFinanceEMEA's (nesting resolved, as transitiveMembers does).
	members := func(group string) []string { return slices.Collect(tn.Groups[group].Values()) }
	for group, strides := range memberEvery {
		var want []string
		for i, id := range ids {
			if slices.ContainsFunc(strides, func(every int) bool { return i%every == 0 }) {
				want = append(want, id)
			}
		}
		if diff := cmp.Diff(want, members(group)); diff != "" {
			t.Errorf("group %s (-want +got):\n%s", group, diff)
		}
	}
	for _, id := range members(GroupFinanceEMEA) {
		if !slices.Contains(members(GroupFinance), id) {
			t.Errorf("user %s of the nested group is not among GroupFinance's transitive users", id)
		}
	}
	// Every role holder is a user of the tenant; the roles the policies
	// name are held.
	held := map[string]int{}
	for a := range tn.RoleAssignments.Values() {
		if !slices.Contains(ids, a.PrincipalID) {
			t.Errorf("role assignment to %s, who is not a user of the tenant", a.PrincipalID)
		}
		held[a.RoleDefinitionID]++
	}
	if diff := cmp.Diff(map[string]int{RoleGlobalAdministrator: (n + 499) / 500, RoleUserAdministrator: (n + 699) / 700, RoleReportsReader: (n + 299) / 300}, held); diff != "" {
		t.Errorf("role holders (-want +got):\n%s", diff)
	}
	// User 13 is the one the finance policy excludes by id.
	if p := tn.Policies.At(1); !slices.Equal(p.Conditions.Users.ExcludeUsers, []string{ids[13]}) {
		t.Errorf("finance policy excludes %q, want user 13, %s", p.Conditions.Users.ExcludeUsers, ids[13])
	}
	// The same seed, the same tenant; a day later, the same enforcement.
	again := Generate(3, n, now, GenerateOptions{Enforcement: EnforcementOptions{ConditionalAccess: true}})
	if diff := cmp.Diff(slices.Collect(tn.Policies.Values()), slices.Collect(again.Policies.Values())); diff != "" {
		t.Errorf("policies of the same seed differ:\n%s", diff)
	}
	next := tn.AdvanceDay(DayOptions{Seed: 1})
	if next.Policies.Len != tn.Policies.Len || next.Groups[GroupSales].Len != tn.Groups[GroupSales].Len {
		t.Error("AdvanceDay changed the enforcement reads")
	}
}
