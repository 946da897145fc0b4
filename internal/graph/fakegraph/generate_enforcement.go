package fakegraph

import (
	"github.com/secusers/secusers/internal/graph"
)

// EnforcementOptions generates reads 7–10: how MFA is enforced in the
// tenant. The zero value enforces nothing: security defaults off and no
// policies, as the reads of a tenant generated before they existed.
type EnforcementOptions struct {
	// SecurityDefaults turns security defaults on. Entra allows them only
	// in a tenant without Conditional Access policies; the fake serves
	// what it is asked to.
	SecurityDefaults bool
	// ConditionalAccess generates GeneratedPolicies: a policy of every
	// state and grant kind, naming users, nested groups, roles and guests,
	// with the groups (GroupFinance and the others) and role assignments
	// they name.
	ConditionalAccess bool
}

// The groups that generated policies name, and who is in them, by the
// user's index i in read 2: GroupFinanceEMEA holds every 11th user and is
// nested in GroupFinance, which holds every 13th besides; GroupSales every
// 7th; GroupBreakGlass every 997th.
const (
	GroupFinance     = "5a1f0000-0000-4000-8000-00000000f001"
	GroupFinanceEMEA = "5a1f0000-0000-4000-8000-00000000f002"
	GroupSales       = "5a1f0000-0000-4000-8000-00000000f003"
	GroupBreakGlass  = "5a1f0000-0000-4000-8000-00000000f004"
)

// The directory roles that generated policies name (their template ids),
// and who holds them: every 500th user is a Global Administrator, every
// 700th a User Administrator, every 300th a Reports Reader (which no
// policy names).
const (
	RoleGlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
	RoleUserAdministrator   = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleReportsReader       = "4a5d8f65-41da-4de4-8968-e035b65339cf"
)

// memberEvery are the strides of group membership (GroupFinance also takes
// in GroupFinanceEMEA's).
var memberEvery = map[string][]int{
	GroupFinance:     {13, 11},
	GroupFinanceEMEA: {11},
	GroupSales:       {7},
	GroupBreakGlass:  {997},
}

// roleEvery are the strides of role assignments.
var roleEvery = []struct {
	role  string
	every int
}{{RoleGlobalAdministrator, 500}, {RoleUserAdministrator, 700}, {RoleReportsReader, 300}}

// GeneratedPolicies are the policies ConditionalAccess generates for a
// tenant whose user 13 has id excluded, in read 8's order. Which of them
// enforce MFA, and for whom, is what the sync's rule decides; the tests
// read it independently.
func GeneratedPolicies(excluded string) []graph.ConditionalAccessPolicy {
	all := graph.ConditionalAccessApplications{IncludeApplications: []string{"All"}}
	mfa := &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}}
	policy := func(n int, name, state string, users graph.ConditionalAccessUsers, grant *graph.GrantControls) graph.ConditionalAccessPolicy {
		return graph.ConditionalAccessPolicy{
			ID: policyID(n), DisplayName: name, State: state, GrantControls: grant,
			Conditions: graph.ConditionalAccessConditions{Users: users, Applications: all, ClientAppTypes: []string{"all"}},
		}
	}
	everyone := graph.ConditionalAccessUsers{IncludeUsers: []string{"All"}}
	ps := []graph.ConditionalAccessPolicy{
		policy(1, "Require MFA for administrators", graph.PolicyEnabled,
			graph.ConditionalAccessUsers{IncludeRoles: []string{RoleGlobalAdministrator, RoleUserAdministrator}, ExcludeGroups: []string{GroupBreakGlass}}, mfa),
		policy(2, "Require MFA and a compliant device for finance", graph.PolicyEnabled,
			graph.ConditionalAccessUsers{IncludeGroups: []string{GroupFinance}, ExcludeUsers: []string{excluded}},
			&graph.GrantControls{Operator: "AND", BuiltInControls: []string{"mfa", "compliantDevice"}}),
		policy(3, "Require MFA for all users (report-only)", graph.PolicyReportOnly, everyone, mfa),
		policy(4, "Block legacy authentication", graph.PolicyEnabled, everyone,
			&graph.GrantControls{Operator: "OR", BuiltInControls: []string{"block"}}),
		policy(5, "Sales: strong MFA away from the office", graph.PolicyEnabled,
			graph.ConditionalAccessUsers{IncludeGroups: []string{GroupSales}},
			&graph.GrantControls{Operator: "OR", AuthenticationStrength: &graph.AuthenticationStrength{
				ID: "00000000-0000-0000-0000-000000000004", DisplayName: "Phishing-resistant MFA"}}),
		policy(6, "MFA or a compliant device", graph.PolicyEnabled, everyone,
			&graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa", "compliantDevice"}}),
		policy(7, "Old MFA policy", graph.PolicyDisabled, everyone, mfa),
		policy(8, "Guests use MFA", graph.PolicyEnabled,
			graph.ConditionalAccessUsers{IncludeGuestsOrExternalUsers: &graph.GuestsOrExternalUsers{GuestOrExternalUserTypes: "internalGuest,b2bCollaborationGuest"}}, mfa),
	}
	ps[3].Conditions.ClientAppTypes = []string{"exchangeActiveSync", "other"}
	ps[4].Conditions.Locations = &graph.ConditionalAccessLocations{IncludeLocations: []string{"All"}, ExcludeLocations: []string{"AllTrusted"}}
	return ps
}

// policyID is the id of generated policy n.
func policyID(n int) string {
	return "ca000000-0000-4000-8000-0000000000" + string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// enforce fills t's reads 7–10 as opts asks.
func (g *generator) enforce(t *Tenant, opts EnforcementOptions) {
	t.SecurityDefaults = opts.SecurityDefaults
	if !opts.ConditionalAccess {
		return
	}
	excluded := ""
	if g.n > 13 {
		excluded = g.userID(13)
	}
	t.Policies = Items(GeneratedPolicies(excluded)...)
	t.Groups = make(map[string]Collection[string], len(memberEvery))
	for group, strides := range memberEvery {
		var members []int
		for i := range g.n {
			for _, every := range strides {
				if i%every == 0 {
					members = append(members, i)
					break
				}
			}
		}
		t.Groups[group] = Collection[string]{Len: len(members), At: func(j int) string { return g.userID(members[j]) }}
	}
	var assignments []graph.RoleAssignment
	for i := range g.n {
		for _, r := range roleEvery {
			if i%r.every == 0 {
				assignments = append(assignments, graph.RoleAssignment{PrincipalID: g.userID(i), RoleDefinitionID: r.role})
			}
		}
	}
	t.RoleAssignments = Items(assignments...)
}

// userID is the id of user i of read 2, without generating the rest.
func (g *generator) userID(i int) string {
	r := newRNG(g.seed, kindUserID, i)
	return r.guid()
}
