package rules

import (
	"slices"
	"strings"

	"github.com/secusers/secusers/internal/graph"
)

// This file is sync.md's "Effective MFA": whether anything makes a user
// use MFA when signing in, from security defaults (read 7) and the
// Conditional Access policies (read 8) with the groups (read 9) and roles
// (read 10) they name. Registration alone is not protection.

// MFAPolicy is a Conditional Access policy that makes the sign-ins it
// applies to use MFA (MFAPolicies), with the words for the conditions that
// narrow it to some sign-ins only: it still counts as covering, and the
// evidence says how it is narrowed, so that a partner can judge.
type MFAPolicy struct {
	Policy graph.ConditionalAccessPolicy
	Limits []string
}

// MFAPolicies returns the policies of read 8 that enforce MFA: enabled
// (not report-only, not disabled), for all applications (All or
// Office365), with grant controls that require MFA (RequiresMFA).
func MFAPolicies(policies []graph.ConditionalAccessPolicy) []MFAPolicy {
	var out []MFAPolicy
	for _, p := range policies {
		if p.State != graph.PolicyEnabled || !forAllApplications(p.Conditions.Applications) || !RequiresMFA(p.GrantControls) {
			continue
		}
		out = append(out, MFAPolicy{Policy: p, Limits: limits(p.Conditions)})
	}
	return out
}

// forAllApplications reports whether a policy's applications include All
// or Office365 (the applications users sign in to every day).
func forAllApplications(a graph.ConditionalAccessApplications) bool {
	return containsFold(a.IncludeApplications, "All") || containsFold(a.IncludeApplications, "Office365")
}

// RequiresMFA reports whether grant controls can only be met with MFA:
// with operator AND, when any control is MFA (the built-in "mfa" or an
// authentication strength); with OR, when every control is one, since any
// other (a compliant device, terms of use, a custom factor) lets a
// sign-in through without it. No controls, or an unknown operator, require
// nothing.
func RequiresMFA(g *graph.GrantControls) bool {
	if g == nil {
		return false
	}
	var mfa, other int
	for _, c := range g.BuiltInControls {
		if strings.EqualFold(c, "mfa") {
			mfa++
		} else {
			other++
		}
	}
	if g.AuthenticationStrength != nil {
		mfa++
	}
	other += len(g.CustomAuthenticationFactors) + len(g.TermsOfUse)
	switch strings.ToUpper(g.Operator) {
	case "AND":
		return mfa > 0
	case "OR":
		return mfa > 0 && other == 0
	}
	return false
}

// limits returns the words for each condition that narrows a policy to
// some sign-ins.
func limits(c graph.ConditionalAccessConditions) []string {
	var out []string
	if l := c.Locations; l != nil && (len(l.ExcludeLocations) > 0 || !onlyAll(l.IncludeLocations)) {
		out = append(out, "some locations")
	}
	if p := c.Platforms; p != nil && (len(p.ExcludePlatforms) > 0 || !onlyAll(p.IncludePlatforms)) {
		out = append(out, "some device platforms")
	}
	if len(c.ClientAppTypes) > 0 && !onlyAll(c.ClientAppTypes) {
		out = append(out, "some client apps")
	}
	if len(c.UserRiskLevels) > 0 {
		out = append(out, "some user risk levels")
	}
	if len(c.SignInRiskLevels) > 0 {
		out = append(out, "some sign-in risk levels")
	}
	if len(c.Applications.ExcludeApplications) > 0 {
		out = append(out, "not every application")
	}
	return out
}

// onlyAll reports whether a condition's list is the one value "all",
// which narrows nothing (an empty list does not either, but the callers
// tell that apart where it matters).
func onlyAll(values []string) bool {
	return len(values) == 1 && strings.EqualFold(values[0], "all")
}

// Enforcement is what a run knows of how MFA is enforced in a tenant.
type Enforcement struct {
	// SecurityDefaults is read 7's isEnabled: every user must register
	// for and use MFA.
	SecurityDefaults bool
	// Considered is how many policies read 8 returned, of every state.
	Considered int
	// Policies are the MFA policies among them (MFAPolicies).
	Policies []MFAPolicy
	// Members holds, for each group a policy names, its users, nested
	// groups resolved (read 9).
	Members map[string]map[string]bool
	// Roles holds, for each user, the directory roles it holds (read 10,
	// roleDefinitionId, which for a built-in role is its template id, as
	// policies name it).
	Roles map[string]map[string]bool
}

// Subject is a user as coverage sees it.
type Subject struct {
	ID    string
	Guest bool // userType is Guest
}

// PolicyRef names a policy that covers a user, and how it is narrowed.
type PolicyRef struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Limits []string `json:"limits,omitempty"`
}

// Coverage is whether anything makes a user use MFA, and what.
type Coverage struct {
	Covered          bool
	SecurityDefaults bool
	CoveredBy        []PolicyRef
}

// Cover returns the user's coverage: covered by security defaults, or by
// every MFA policy that includes the user and does not exclude them.
func (e Enforcement) Cover(s Subject) Coverage {
	c := Coverage{SecurityDefaults: e.SecurityDefaults}
	for _, p := range e.Policies {
		if e.applies(p.Policy.Conditions.Users, s) {
			c.CoveredBy = append(c.CoveredBy, PolicyRef{ID: p.Policy.ID, Name: p.Policy.DisplayName, Limits: p.Limits})
		}
	}
	c.Covered = c.SecurityDefaults || len(c.CoveredBy) > 0
	return c
}

// applies reports whether a policy's users condition takes in s: included
// by user, group, role or as a guest, and excluded by none of them;
// exclusion wins.
func (e Enforcement) applies(u graph.ConditionalAccessUsers, s Subject) bool {
	excluded := slices.Contains(u.ExcludeUsers, s.ID) ||
		(s.Guest && containsFold(u.ExcludeUsers, "GuestsOrExternalUsers")) ||
		e.inAnyGroup(u.ExcludeGroups, s.ID) || e.holdsAnyRole(u.ExcludeRoles, s.ID) ||
		(s.Guest && selectsGuests(u.ExcludeGuestsOrExternalUsers))
	if excluded {
		return false
	}
	return containsFold(u.IncludeUsers, "All") || slices.Contains(u.IncludeUsers, s.ID) ||
		(s.Guest && containsFold(u.IncludeUsers, "GuestsOrExternalUsers")) ||
		e.inAnyGroup(u.IncludeGroups, s.ID) || e.holdsAnyRole(u.IncludeRoles, s.ID) ||
		(s.Guest && selectsGuests(u.IncludeGuestsOrExternalUsers))
}

// inAnyGroup reports whether the user is a member of any of groups.
func (e Enforcement) inAnyGroup(groups []string, userID string) bool {
	for _, g := range groups {
		if e.Members[g][userID] {
			return true
		}
	}
	return false
}

// holdsAnyRole reports whether the user holds any of roles.
func (e Enforcement) holdsAnyRole(roles []string, userID string) bool {
	held := e.Roles[userID]
	for _, r := range roles {
		if held[r] {
			return true
		}
	}
	return false
}

// guestKinds are the kinds of guestOrExternalUserTypes that an account
// whose userType is Guest is: invited (B2B collaboration) or a local guest.
var guestKinds = []string{"internalGuest", "b2bCollaborationGuest"}

// selectsGuests reports whether a guests-or-external-users condition takes
// in a user whose userType is Guest.
func selectsGuests(g *graph.GuestsOrExternalUsers) bool {
	if g == nil {
		return false
	}
	for kind := range strings.SplitSeq(g.GuestOrExternalUserTypes, ",") {
		if containsFold(guestKinds, strings.TrimSpace(kind)) {
			return true
		}
	}
	return false
}

// containsFold reports whether values holds v, case-insensitively: Graph's
// special values ("All", "Office365") are documented in one case and seen
// in others.
func containsFold(values []string, v string) bool {
	return slices.ContainsFunc(values, func(s string) bool { return strings.EqualFold(s, v) })
}

// GroupsNamed returns the groups that the MFA policies include or exclude,
// each once, in the order first named: the groups whose transitive members
// read 9 reads, and only those.
func GroupsNamed(policies []MFAPolicy) []string {
	var out []string
	for _, p := range policies {
		u := p.Policy.Conditions.Users
		for _, g := range slices.Concat(u.IncludeGroups, u.ExcludeGroups) {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// NamesRoles reports whether any MFA policy includes or excludes roles:
// read 10 is made only then.
func NamesRoles(policies []MFAPolicy) bool {
	return slices.ContainsFunc(policies, func(p MFAPolicy) bool {
		u := p.Policy.Conditions.Users
		return len(u.IncludeRoles) > 0 || len(u.ExcludeRoles) > 0
	})
}
