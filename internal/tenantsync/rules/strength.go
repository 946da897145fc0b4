package rules

import "slices"

// Strength grades the MFA methods a user registered (sync.md, "Method
// strength"), for the detail endpoint and the MFADisabled evidence.
type Strength string

// The grades, strongest first.
const (
	PhishingResistant Strength = "phishingResistant"
	Standard          Strength = "standard"
	Weak              Strength = "weak"
	NoMethod          Strength = "none"
)

// The methodsRegistered values of each grade. Graph adds methods over
// time; one not listed here grades nothing but is kept with the user.
var (
	phishingResistantMethods = []string{"fido2", "passKeyDeviceBound", "passKeySynced", "windowsHelloForBusiness", "x509CertificateMultiFactor"}
	standardMethods          = []string{"microsoftAuthenticatorPush", "softwareOneTimePasscode", "hardwareOneTimePasscode", "microsoftAuthenticatorPasswordless"}
	weakMethods              = []string{"mobilePhone", "alternateMobilePhone", "officePhone", "email"}
)

// MethodStrength returns the grade of the strongest method of
// methodsRegistered.
func MethodStrength(methods []string) Strength {
	has := func(grade []string) bool {
		return slices.ContainsFunc(methods, func(m string) bool { return slices.Contains(grade, m) })
	}
	switch {
	case has(phishingResistantMethods):
		return PhishingResistant
	case has(standardMethods):
		return Standard
	case has(weakMethods):
		return Weak
	}
	return NoMethod
}
