package graph

import "time"

// The Microsoft Graph v1.0 resources the sync reads, with the properties it
// selects (sync.md "What is read"). Field names and JSON shapes are Graph's;
// properties Graph may send as null are pointers or zero values, and the
// sync maps null to "".

// Domain is a verified domain of the tenant (GET /v1.0/domains).
type Domain struct {
	ID string `json:"id"` // the domain name, e.g. "contoso.com"
	// PasswordValidityPeriodInDays is null when not set; 2147483647 means
	// the passwords never expire.
	PasswordValidityPeriodInDays *int64 `json:"passwordValidityPeriodInDays"`
}

// NeverExpires is Graph's passwordValidityPeriodInDays for "never expires".
const NeverExpires = 2147483647

// SignInActivity is a user's last sign-ins (needs Entra ID P1 and
// AuditLog.Read.All).
type SignInActivity struct {
	LastSignInDateTime               *time.Time `json:"lastSignInDateTime"`
	LastNonInteractiveSignInDateTime *time.Time `json:"lastNonInteractiveSignInDateTime"`
}

// User is a directory user (GET /v1.0/users, and soft-deleted ones from
// GET /v1.0/directory/deletedItems/microsoft.graph.user).
type User struct {
	ID                         string          `json:"id"`
	UserPrincipalName          *string         `json:"userPrincipalName"`
	Mail                       *string         `json:"mail"`
	DisplayName                *string         `json:"displayName"`
	GivenName                  *string         `json:"givenName"`
	Surname                    *string         `json:"surname"`
	EmployeeID                 *string         `json:"employeeId"`
	OfficeLocation             *string         `json:"officeLocation"`
	Department                 *string         `json:"department"`
	MobilePhone                *string         `json:"mobilePhone"`
	JobTitle                   *string         `json:"jobTitle"`
	BusinessPhones             []string        `json:"businessPhones"`
	CompanyName                *string         `json:"companyName"`
	Country                    *string         `json:"country"`
	AccountEnabled             *bool           `json:"accountEnabled"`
	CreatedDateTime            *time.Time      `json:"createdDateTime"`
	LastPasswordChangeDateTime *time.Time      `json:"lastPasswordChangeDateTime"`
	PasswordPolicies           *string         `json:"passwordPolicies"`
	OnPremisesSyncEnabled      *bool           `json:"onPremisesSyncEnabled"`
	SignInActivity             *SignInActivity `json:"signInActivity,omitempty"`
	// DeletedDateTime is set on soft-deleted users only.
	DeletedDateTime *time.Time `json:"deletedDateTime,omitempty"`
}

// RegistrationDetail is a user's authentication-method registration
// (GET /v1.0/reports/authenticationMethods/userRegistrationDetails).
type RegistrationDetail struct {
	ID              string `json:"id"`
	IsMfaRegistered bool   `json:"isMfaRegistered"`
	// MethodsRegistered names the registered methods ("fido2",
	// "microsoftAuthenticatorPush", …); with the Prefer header the
	// request sends, methods newer than v1.0's enum are named too.
	MethodsRegistered []string `json:"methodsRegistered"`
	IsAdmin           bool     `json:"isAdmin"`
}

// RiskyUser is Identity Protection's view of a user
// (GET /v1.0/identityProtection/riskyUsers).
type RiskyUser struct {
	ID        string `json:"id"`
	RiskLevel string `json:"riskLevel"` // low, medium, high, hidden, none, unknownFutureValue
	RiskState string `json:"riskState"` // none, confirmedSafe, remediated, dismissed, atRisk, confirmedCompromised, unknownFutureValue
}

// ManagedDevice is an Intune-managed device
// (GET /v1.0/deviceManagement/managedDevices).
type ManagedDevice struct {
	ID              string `json:"id"`
	UserID          string `json:"userId"`
	ComplianceState string `json:"complianceState"` // unknown, compliant, noncompliant, conflict, error, inGracePeriod, configManager
}

// Page is one page of a Graph collection.
type Page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink,omitempty"`
}

// ErrorBody is Graph's error response body.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
