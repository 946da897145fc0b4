package fakegraph

import (
	"encoding/json"
	"net/http"

	"github.com/secusers/secusers/internal/graph"
)

// Reads 7–10 of sync.md: security defaults, Conditional Access policies,
// the transitive users of a group, and directory role assignments.

// policySchema is conditionalAccessPolicy. Conditions and grant controls
// are written as Go's JSON of the graph types, which carry Graph's names;
// an empty list is written as [], as Graph does.
var policySchema = newSchema[graph.ConditionalAccessPolicy]("microsoft.graph.conditionalAccessPolicy", []prop[graph.ConditionalAccessPolicy]{
	{"id", func(e *enc, p *graph.ConditionalAccessPolicy) { e.str(p.ID) }},
	{"templateId", func(e *enc, _ *graph.ConditionalAccessPolicy) { e.null() }},
	{"displayName", func(e *enc, p *graph.ConditionalAccessPolicy) { e.str(p.DisplayName) }},
	{"createdDateTime", func(e *enc, _ *graph.ConditionalAccessPolicy) { e.null() }},
	{"modifiedDateTime", func(e *enc, _ *graph.ConditionalAccessPolicy) { e.null() }},
	{"state", func(e *enc, p *graph.ConditionalAccessPolicy) { e.str(p.State) }},
	{"sessionControls", func(e *enc, _ *graph.ConditionalAccessPolicy) { e.null() }},
	{"conditions", func(e *enc, p *graph.ConditionalAccessPolicy) { e.json(withEmptyLists(p.Conditions)) }},
	{"grantControls", func(e *enc, p *graph.ConditionalAccessPolicy) {
		if p.GrantControls == nil {
			e.null()
			return
		}
		g := *p.GrantControls
		g.BuiltInControls, g.CustomAuthenticationFactors, g.TermsOfUse = list(g.BuiltInControls), list(g.CustomAuthenticationFactors), list(g.TermsOfUse)
		e.json(g)
	}},
})

// withEmptyLists returns c with its nil user and application lists empty,
// as Graph writes them.
func withEmptyLists(c graph.ConditionalAccessConditions) graph.ConditionalAccessConditions {
	u := &c.Users
	for _, l := range []*[]string{&u.IncludeUsers, &u.ExcludeUsers, &u.IncludeGroups, &u.ExcludeGroups, &u.IncludeRoles, &u.ExcludeRoles,
		&c.Applications.IncludeApplications, &c.Applications.ExcludeApplications, &c.UserRiskLevels, &c.SignInRiskLevels, &c.ClientAppTypes} {
		*l = list(*l)
	}
	return c
}

// list returns l, or an empty list for nil.
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// memberSchema is a user as transitiveMembers/microsoft.graph.user gives
// one; the sync selects only its id.
var memberSchema = newSchema[graph.DirectoryObject]("microsoft.graph.user", []prop[graph.DirectoryObject]{
	{"id", func(e *enc, o *graph.DirectoryObject) { e.str(o.ID) }},
})

// roleAssignmentSchema is unifiedRoleAssignment.
var roleAssignmentSchema = newSchema[graph.RoleAssignment]("microsoft.graph.unifiedRoleAssignment", []prop[graph.RoleAssignment]{
	{"id", func(e *enc, a *graph.RoleAssignment) { e.str(a.RoleDefinitionID + "_" + a.PrincipalID) }},
	{"principalId", func(e *enc, a *graph.RoleAssignment) { e.str(a.PrincipalID) }},
	{"roleDefinitionId", func(e *enc, a *graph.RoleAssignment) { e.str(a.RoleDefinitionID) }},
	{"directoryScopeId", func(e *enc, _ *graph.RoleAssignment) { e.str("/") }},
})

// groupMembers finds the group the path names; Graph's 404 when there is
// none.
func groupMembers(t *Tenant, r *http.Request) (Collection[graph.DirectoryObject], *graphError) {
	id := r.PathValue("id")
	ids, ok := t.Groups[id]
	if !ok {
		return Collection[graph.DirectoryObject]{}, &graphError{status: http.StatusNotFound, code: "Request_ResourceNotFound",
			message: "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present."}
	}
	return Collection[graph.DirectoryObject]{Len: ids.Len, At: func(i int) graph.DirectoryObject { return graph.DirectoryObject{ID: ids.At(i)} }}, nil
}

// securityDefaultsID is the fixed id Graph gives the tenant's one
// security defaults policy.
const securityDefaultsID = "00000000-0000-0000-0000-000000000005"

// serveSecurityDefaults answers read 7, a single object.
func (s *Server) serveSecurityDefaults(w http.ResponseWriter, r *http.Request) {
	rq := s.begin(w, r, ReadSecurityDefaults)
	if r.Method != http.MethodGet {
		rq.writeGraphError(&graphError{status: http.StatusMethodNotAllowed, code: "Request_BadRequest",
			message: "Specified HTTP method is not allowed for the request target."})
		return
	}
	if err := s.authorize(rq); err != nil {
		rq.writeGraphError(err)
		return
	}
	if !rq.wait() {
		return
	}
	if f := s.faultFor(ReadSecurityDefaults, func(string) bool { return false }); f != nil {
		rq.writeGraphError(&graphError{status: f.Status, code: f.Code, message: f.Message, retryAfter: f.RetryAfter})
		return
	}
	body, err := json.Marshal(map[string]any{
		"@odata.context": rq.base() + "/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity",
		"id":             securityDefaultsID,
		"displayName":    "Security Defaults",
		"description":    "Security defaults is a set of basic identity security mechanisms recommended by Microsoft.",
		"isEnabled":      s.Tenant().SecurityDefaults,
	})
	if err != nil {
		rq.answer(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	rq.answer(http.StatusOK)
	_, _ = w.Write(body) // the client went away: nothing to tell it
}
