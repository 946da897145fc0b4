package graph

// The objects of reads 7–10 (sync.md), which decide whether a user is made
// to use MFA at sign-in. Only the properties the rules read are declared;
// Graph sends more, which decoding ignores.

// SecurityDefaults is read 7, the tenant's security defaults policy
// (identitySecurityDefaultsEnforcementPolicy).
type SecurityDefaults struct {
	IsEnabled bool `json:"isEnabled"`
}

// The states of a Conditional Access policy. Only an enabled policy is
// enforced: one in report-only mode is evaluated and logged, never applied.
const (
	PolicyEnabled    = "enabled"
	PolicyReportOnly = "enabledForReportingButNotEnforced"
	PolicyDisabled   = "disabled"
)

// ConditionalAccessPolicy is one policy of read 8.
type ConditionalAccessPolicy struct {
	ID            string                      `json:"id"`
	DisplayName   string                      `json:"displayName"`
	State         string                      `json:"state"`
	Conditions    ConditionalAccessConditions `json:"conditions"`
	GrantControls *GrantControls              `json:"grantControls"`
}

// ConditionalAccessConditions is when a policy applies. A nil or empty
// condition other than users and applications does not narrow the policy.
type ConditionalAccessConditions struct {
	Users            ConditionalAccessUsers        `json:"users"`
	Applications     ConditionalAccessApplications `json:"applications"`
	ClientAppTypes   []string                      `json:"clientAppTypes"` // "all", or the kinds of client it is limited to
	UserRiskLevels   []string                      `json:"userRiskLevels"`
	SignInRiskLevels []string                      `json:"signInRiskLevels"`
	Locations        *ConditionalAccessLocations   `json:"locations"`
	Platforms        *ConditionalAccessPlatforms   `json:"platforms"`
}

// ConditionalAccessUsers is who a policy applies to. The special values
// of IncludeUsers are "All", "None" and "GuestsOrExternalUsers".
type ConditionalAccessUsers struct {
	IncludeUsers                 []string               `json:"includeUsers"`
	ExcludeUsers                 []string               `json:"excludeUsers"`
	IncludeGroups                []string               `json:"includeGroups"`
	ExcludeGroups                []string               `json:"excludeGroups"`
	IncludeRoles                 []string               `json:"includeRoles"` // role template ids
	ExcludeRoles                 []string               `json:"excludeRoles"`
	IncludeGuestsOrExternalUsers *GuestsOrExternalUsers `json:"includeGuestsOrExternalUsers"`
	ExcludeGuestsOrExternalUsers *GuestsOrExternalUsers `json:"excludeGuestsOrExternalUsers"`
}

// GuestsOrExternalUsers selects guests and external users by kind
// (guestOrExternalUserTypes, a comma-separated list such as
// "internalGuest,b2bCollaborationGuest").
type GuestsOrExternalUsers struct {
	GuestOrExternalUserTypes string `json:"guestOrExternalUserTypes"`
}

// ConditionalAccessApplications is which applications a policy applies
// to. The special values of IncludeApplications are "All", "Office365" and
// "None".
type ConditionalAccessApplications struct {
	IncludeApplications []string `json:"includeApplications"`
	ExcludeApplications []string `json:"excludeApplications"`
}

// ConditionalAccessLocations limits a policy to named locations.
type ConditionalAccessLocations struct {
	IncludeLocations []string `json:"includeLocations"`
	ExcludeLocations []string `json:"excludeLocations"`
}

// ConditionalAccessPlatforms limits a policy to device platforms.
type ConditionalAccessPlatforms struct {
	IncludePlatforms []string `json:"includePlatforms"`
	ExcludePlatforms []string `json:"excludePlatforms"`
}

// GrantControls is what a policy asks of a sign-in it applies to: all of
// its controls (Operator "AND") or any one of them ("OR").
type GrantControls struct {
	Operator                    string                  `json:"operator"`
	BuiltInControls             []string                `json:"builtInControls"` // "mfa", "block", "compliantDevice", …
	CustomAuthenticationFactors []string                `json:"customAuthenticationFactors"`
	TermsOfUse                  []string                `json:"termsOfUse"`
	AuthenticationStrength      *AuthenticationStrength `json:"authenticationStrength"`
}

// AuthenticationStrength is the authentication strength a policy
// requires; every strength Entra offers is multifactor.
type AuthenticationStrength struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// RoleAssignment is one active directory role assignment of read 10.
type RoleAssignment struct {
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
}

// DirectoryObject is a member of read 9: the users of a group, nested
// groups resolved.
type DirectoryObject struct {
	ID string `json:"id"`
}
