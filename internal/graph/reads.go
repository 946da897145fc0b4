package graph

import (
	"context"
	"iter"
)

// The names of the six reads of sync.md, as Error.Read and the Observer
// give them. They are stable: metrics are labelled with them.
const (
	ReadDomains             = "domains"
	ReadUsers               = "users"
	ReadRegistrationDetails = "registrationDetails"
	ReadRiskyUsers          = "riskyUsers"
	ReadManagedDevices      = "managedDevices"
	ReadDeletedUsers        = "deletedUsers"
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
