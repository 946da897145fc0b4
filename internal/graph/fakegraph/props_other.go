package fakegraph

import (
	"slices"
	"strings"

	"github.com/secusers/secusers/internal/graph"
)

// domainSchema: the sync reads id and passwordValidityPeriodInDays; the
// other properties are what GET /domains returns, derived from the name.
var domainSchema = newSchema[graph.Domain]("microsoft.graph.domain", []prop[graph.Domain]{
	{"authenticationType", func(e *enc, _ *graph.Domain) { e.str("Managed") }},
	{"availabilityStatus", func(e *enc, _ *graph.Domain) { e.null() }},
	{"id", func(e *enc, d *graph.Domain) { e.str(d.ID) }},
	{"isAdminManaged", func(e *enc, _ *graph.Domain) { e.boolean(true) }},
	{"isDefault", func(e *enc, d *graph.Domain) { e.boolean(isInitial(d)) }},
	{"isInitial", func(e *enc, d *graph.Domain) { e.boolean(isInitial(d)) }},
	{"isRoot", func(e *enc, _ *graph.Domain) { e.boolean(true) }},
	{"isVerified", func(e *enc, _ *graph.Domain) { e.boolean(true) }},
	{"passwordNotificationWindowInDays", func(e *enc, _ *graph.Domain) { e.raw("14") }},
	{"passwordValidityPeriodInDays", func(e *enc, d *graph.Domain) { e.int64p(d.PasswordValidityPeriodInDays) }},
	{"supportedServices", func(e *enc, d *graph.Domain) {
		if isInitial(d) {
			e.strs([]string{"Email", "OfficeCommunicationsOnline"})
			return
		}
		e.strs([]string{"Email"})
	}},
	{"state", func(e *enc, _ *graph.Domain) { e.null() }},
})

func isInitial(d *graph.Domain) bool {
	return strings.HasSuffix(strings.ToLower(d.ID), ".onmicrosoft.com")
}

// registrationSchema is userRegistrationDetails; the capability flags follow
// from the methods registered.
var registrationSchema = newSchema[Registration]("microsoft.graph.userRegistrationDetails", []prop[Registration]{
	{"id", func(e *enc, r *Registration) { e.str(r.ID) }},
	{"userPrincipalName", func(e *enc, r *Registration) { e.str(r.UserPrincipalName) }},
	{"userDisplayName", func(e *enc, r *Registration) { e.str(r.UserDisplayName) }},
	{"isAdmin", func(e *enc, r *Registration) { e.boolean(r.IsAdmin) }},
	{"isSsprRegistered", func(e *enc, r *Registration) { e.boolean(len(r.MethodsRegistered) > 0) }},
	{"isSsprEnabled", func(e *enc, _ *Registration) { e.boolean(true) }},
	{"isSsprCapable", func(e *enc, r *Registration) { e.boolean(len(r.MethodsRegistered) > 0) }},
	{"isMfaRegistered", func(e *enc, r *Registration) { e.boolean(r.IsMfaRegistered) }},
	{"isMfaCapable", func(e *enc, r *Registration) { e.boolean(r.IsMfaRegistered) }},
	{"isPasswordlessCapable", func(e *enc, r *Registration) {
		e.boolean(slices.ContainsFunc(r.MethodsRegistered, func(m string) bool {
			return m == "fido2" || m == "windowsHelloForBusiness" || m == "microsoftAuthenticatorPasswordless"
		}))
	}},
	{"lastUpdatedDateTime", func(e *enc, r *Registration) { e.timeOrNull(r.LastUpdated) }},
	{"methodsRegistered", func(e *enc, r *Registration) { e.strs(r.MethodsRegistered) }},
	{"isSystemPreferredAuthenticationMethodEnabled", func(e *enc, _ *Registration) { e.boolean(true) }},
	{"systemPreferredAuthenticationMethods", func(e *enc, r *Registration) {
		if m := preferredMethod(r); m != "" {
			e.strs([]string{m})
			return
		}
		e.strs(nil)
	}},
	{"userPreferredMethodForSecondaryAuthentication", func(e *enc, r *Registration) { e.str(preferredMethod(r)) }},
	{"userType", func(e *enc, r *Registration) { e.str(r.UserType) }},
})

// preferredMethod maps the first MFA method to Graph's name for it as a
// second factor; "" when there is none, as in Graph's sample.
func preferredMethod(r *Registration) string {
	if !r.IsMfaRegistered || len(r.MethodsRegistered) == 0 {
		return ""
	}
	switch r.MethodsRegistered[0] {
	case "microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless":
		return "push"
	case "mobilePhone":
		return "sms"
	case "softwareOneTimePasscode":
		return "oath"
	default:
		return ""
	}
}

var riskySchema = newSchema[RiskyUser]("microsoft.graph.riskyUser", []prop[RiskyUser]{
	{"id", func(e *enc, r *RiskyUser) { e.str(r.ID) }},
	{"isDeleted", func(e *enc, r *RiskyUser) { e.boolean(r.IsDeleted) }},
	{"isProcessing", func(e *enc, _ *RiskyUser) { e.boolean(false) }},
	{"riskLastUpdatedDateTime", func(e *enc, r *RiskyUser) { e.timeOrNull(r.RiskLastUpdated) }},
	{"riskLevel", func(e *enc, r *RiskyUser) { e.str(r.RiskLevel) }},
	{"riskState", func(e *enc, r *RiskyUser) { e.str(r.RiskState) }},
	{"riskDetail", func(e *enc, r *RiskyUser) { e.str(r.RiskDetail) }},
	{"userDisplayName", func(e *enc, r *RiskyUser) { e.str(r.UserDisplayName) }},
	{"userPrincipalName", func(e *enc, r *RiskyUser) { e.str(r.UserPrincipalName) }},
})

// deviceSchema is a subset of Intune's managedDevice: the properties the
// sync selects and the ones a report would show.
var deviceSchema = newSchema[Device]("microsoft.graph.managedDevice", []prop[Device]{
	{"id", func(e *enc, d *Device) { e.str(d.ID) }},
	{"userId", func(e *enc, d *Device) { e.str(d.UserID) }},
	{"deviceName", func(e *enc, d *Device) { e.str(d.DeviceName) }},
	{"managedDeviceOwnerType", func(e *enc, d *Device) { e.str(d.OwnerType) }},
	{"enrolledDateTime", func(e *enc, d *Device) { e.timeOrNull(d.Enrolled) }},
	{"lastSyncDateTime", func(e *enc, d *Device) { e.timeOrNull(d.LastSync) }},
	{"operatingSystem", func(e *enc, d *Device) { e.str(d.OperatingSystem) }},
	{"complianceState", func(e *enc, d *Device) { e.str(d.ComplianceState) }},
	{"osVersion", func(e *enc, d *Device) { e.str(d.OSVersion) }},
	{"userPrincipalName", func(e *enc, d *Device) { e.str(d.UserPrincipalName) }},
	{"userDisplayName", func(e *enc, d *Device) { e.str(d.UserDisplayName) }},
})
