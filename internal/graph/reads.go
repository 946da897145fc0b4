package graph

import (
	"context"
	"iter"
	"net/url"
)

// The names of the reads of sync.md, as Error.Read and the Observer give
// them. They are stable: metrics are labelled with them.
const (
	ReadDomains             = "domains"
	ReadUsers               = "users"
	ReadRegistrationDetails = "registrationDetails"
	ReadRiskyUsers          = "riskyUsers"
	ReadManagedDevices      = "managedDevices"
	ReadDeletedUsers        = "deletedUsers"
	ReadSecurityDefaults    = "securityDefaults"
	ReadPolicies            = "conditionalAccessPolicies"
	ReadGroupMembers        = "groupMembers"
	ReadRoleAssignments     = "roleAssignments"
)

// userFields are the properties of read 2 but signInActivity, in sync.md's
// order. $select keeps the pages small: a user has over a hundred properties.
const userFields = "id,userPrincipalName,mail,displayName,givenName,surname,employeeId,officeLocation," +
	"department,mobilePhone,jobTitle,businessPhones,companyName,country,accountEnabled,createdDateTime," +
	"lastPasswordChangeDateTime,passwordPolicies,onPremisesSyncEnabled"

// The largest pages Graph serves of users: 999, but 500 when signInActivity
// is selected (Microsoft's user-list reference since July 2025; a larger
// $top is refused with a 400 that does not name the property). sync.md still
// says 999 for both.
const (
	maxTop           = "999"
	maxTopSignInUser = "500"
)

// Domains reads the tenant's domains (sync.md read 1), for their password
// validity period.
func (c *Client) Domains(ctx context.Context) iter.Seq2[Domain, error] {
	return collection[Domain](ctx, c, ReadDomains, "/v1.0/domains")
}

// Users reads the tenant's users (read 2). Without withSignInActivity the
// property is not selected: Graph refuses the whole read (403, or 400 naming
// it) when the tenant lacks Entra ID P1, and the sync then reads again
// without it (see IsUnlicensed).
func (c *Client) Users(ctx context.Context, withSignInActivity bool) iter.Seq2[User, error] {
	query := "$select=" + userFields + "&$top=" + maxTop
	if withSignInActivity {
		query = "$select=" + userFields + ",signInActivity&$top=" + maxTopSignInUser
	}
	return collection[User](ctx, c, ReadUsers, "/v1.0/users?"+query)
}

// RegistrationDetails reads whether each user registered MFA (read 3).
func (c *Client) RegistrationDetails(ctx context.Context) iter.Seq2[RegistrationDetail, error] {
	return collection[RegistrationDetail](ctx, c, ReadRegistrationDetails, "/v1.0/reports/authenticationMethods/userRegistrationDetails")
}

// RiskyUsers reads Identity Protection's risky users (read 4).
func (c *Client) RiskyUsers(ctx context.Context) iter.Seq2[RiskyUser, error] {
	return collection[RiskyUser](ctx, c, ReadRiskyUsers, "/v1.0/identityProtection/riskyUsers")
}

// ManagedDevices reads Intune's devices with their user and compliance
// (read 5).
func (c *Client) ManagedDevices(ctx context.Context) iter.Seq2[ManagedDevice, error] {
	return collection[ManagedDevice](ctx, c, ReadManagedDevices, "/v1.0/deviceManagement/managedDevices?$select=id,userId,complianceState")
}

// DeletedUsers reads the soft-deleted users (read 6). deletedDateTime is
// selected as well as read 2's properties: with a $select, Graph returns only
// what is named, and rule 7 needs it.
func (c *Client) DeletedUsers(ctx context.Context) iter.Seq2[User, error] {
	return collection[User](ctx, c, ReadDeletedUsers,
		"/v1.0/directory/deletedItems/microsoft.graph.user?$select="+userFields+",deletedDateTime&$top="+maxTop)
}

// SecurityDefaults reads whether the tenant's security defaults are on
// (read 7). It needs Policy.Read.All.
func (c *Client) SecurityDefaults(ctx context.Context) (SecurityDefaults, error) {
	return object[SecurityDefaults](ctx, c, ReadSecurityDefaults, "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")
}

// ConditionalAccessPolicies reads the tenant's Conditional Access policies
// in every state (read 8). It needs Policy.Read.All, and Entra ID P1.
func (c *Client) ConditionalAccessPolicies(ctx context.Context) iter.Seq2[ConditionalAccessPolicy, error] {
	return collection[ConditionalAccessPolicy](ctx, c, ReadPolicies, "/v1.0/identity/conditionalAccess/policies")
}

// GroupUsers reads the users of a group, those of its nested groups
// included (read 9). The group's id comes from a policy: it is escaped into
// the path, never trusted to be a GUID.
func (c *Client) GroupUsers(ctx context.Context, groupID string) iter.Seq2[DirectoryObject, error] {
	return collection[DirectoryObject](ctx, c, ReadGroupMembers,
		"/v1.0/groups/"+url.PathEscape(groupID)+"/transitiveMembers/microsoft.graph.user?$select=id&$top="+maxTop)
}

// RoleAssignments reads the tenant's active directory role assignments
// (read 10). It needs RoleManagement.Read.Directory.
func (c *Client) RoleAssignments(ctx context.Context) iter.Seq2[RoleAssignment, error] {
	return collection[RoleAssignment](ctx, c, ReadRoleAssignments,
		"/v1.0/roleManagement/directory/roleAssignments?$select=principalId,roleDefinitionId")
}
