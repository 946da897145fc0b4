package secusers

import (
	"slices"
	"time"
)

// Partner is a managed-service provider: the owner of customers and app
// registrations. Partners never see each other's data.
type Partner struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Customer is one organization a partner looks after.
type Customer struct {
	ID           string
	PartnerID    string
	Organization string
	CreatedAt    time.Time
}

// CustomerGroup is a named set of one partner's customers, used to scope app
// registrations.
type CustomerGroup struct {
	ID          string
	PartnerID   string
	Name        string
	CustomerIDs []string
	CreatedAt   time.Time
}

// Tenant is one Microsoft 365 tenant of a customer. Its ID is the Entra
// tenant's GUID as the partner names it in the API path.
type Tenant struct {
	ID         string
	CustomerID string
	Name       string
	CreatedAt  time.Time
}

// User is one directory user of a tenant as the store keeps it. A user with a
// non-empty Status is a "security user" and is what the API lists.
type User struct {
	ID                string
	UserPrincipalName string
	Mail              string
	DisplayName       string
	FirstName         string
	LastName          string
	EmployeeID        string
	Location          string
	Department        string
	Mobile            string
	JobTitle          string
	OfficePhone       string
	Company           string
	CountryRegion     string
	// Status holds the findings. Its TestUser bit always equals IsTestUser.
	Status     StatusSet
	IsTestUser bool
	// LastPasswordChange is when the password was last set; zero when
	// unknown. The API derives age from it at response time.
	LastPasswordChange time.Time
	// StartDate and EndDate are the partner's sign-in enforcement window as
	// Unix milliseconds; 0 when not set.
	StartDate int64
	EndDate   int64
}

// earliestPasswordChange is the first date a password change is believed.
// Directories write placeholders far before it for "never set" (Windows'
// FILETIME zero, 1601-01-01, above all), and no password was set in a
// Microsoft 365 directory before 1900.
var earliestPasswordChange = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// secondsPerDay is the length of the days PasswordAgeDays counts.
const secondsPerDay = 24 * 60 * 60

// PasswordAgeDays returns the password's age in whole days (periods of 24
// hours) at now, or 0 when the last change is unknown, before 1900 (a
// placeholder, not a date) or in the future.
//
// It counts in seconds, not with time.Duration: a Duration saturates after
// about 292 years, which would give every placeholder date the same bogus
// age instead of none.
func (u User) PasswordAgeDays(now time.Time) int64 { return PasswordAgeDays(u.LastPasswordChange, now) }

// PasswordAgeDays returns the age in whole days at now of a password last
// changed at last, as User.PasswordAgeDays does; the page of the API, which
// has no User, calls it directly.
func PasswordAgeDays(last, now time.Time) int64 {
	if last.IsZero() || last.Before(earliestPasswordChange) || now.Before(last) {
		return 0
	}
	elapsed := now.Unix() - last.Unix()
	if now.Nanosecond() < last.Nanosecond() {
		elapsed-- // the last second is not complete
	}
	return elapsed / secondsPerDay
}

// ScopeKind says which of a partner's customers an app registration may read.
type ScopeKind string

// The customer-scope kinds.
const (
	ScopeAllCustomers ScopeKind = "all"       // every customer of the partner, present and future
	ScopeCustomers    ScopeKind = "customers" // the customers listed by ID
	ScopeGroups       ScopeKind = "groups"    // the customers of the groups listed by ID, as the groups are now
)

// CustomerScope is an app's customer scope. IDs are customer IDs for
// ScopeCustomers and group IDs for ScopeGroups; empty for ScopeAllCustomers.
type CustomerScope struct {
	Kind ScopeKind
	IDs  []string
}

// Covers reports whether the scope includes the customer, given the IDs of the
// groups the customer is a member of now. The customer is assumed to be the
// app's partner's; the caller checks that first.
func (s CustomerScope) Covers(customerID string, groupIDs []string) bool {
	switch s.Kind {
	case ScopeAllCustomers:
		return true
	case ScopeCustomers:
		return slices.Contains(s.IDs, customerID)
	case ScopeGroups:
		for _, g := range groupIDs {
			if slices.Contains(s.IDs, g) {
				return true
			}
		}
	}
	return false
}

// CustomerIDs returns the customer ids the scope names: its IDs when its
// kind is ScopeCustomers, none otherwise.
func (s CustomerScope) CustomerIDs() []string { return s.idsOf(ScopeCustomers) }

// GroupIDs returns the group ids the scope names: its IDs when its kind is
// ScopeGroups, none otherwise.
func (s CustomerScope) GroupIDs() []string { return s.idsOf(ScopeGroups) }

func (s CustomerScope) idsOf(kind ScopeKind) []string {
	if s.Kind != kind {
		return nil
	}
	return s.IDs
}

// Canonical returns the scope with "no ids" spelled nil, the one spelling a
// Go value has, so that an app read back from a store compares equal to the
// app created.
func (s CustomerScope) Canonical() CustomerScope {
	if len(s.IDs) == 0 {
		s.IDs = nil
	}
	return s
}

// StoredIDs returns the scope's ids as stores keep them: never nil, so
// that "no ids" is an empty array in the column (a driver would send a nil
// slice as NULL).
func (s CustomerScope) StoredIDs() []string {
	if s.IDs == nil {
		return []string{}
	}
	return s.IDs
}

// App is an app registration: a partner's OAuth2 client.
type App struct {
	ClientID    string
	PartnerID   string
	Name        string
	Permissions []string
	Scope       CustomerScope
	Disabled    bool
	CreatedAt   time.Time
}

// HasPermission reports whether the app is granted the permission.
func (a App) HasPermission(p string) bool { return slices.Contains(a.Permissions, p) }

// ClientSecret is one secret of an app. The secret itself is shown once, at
// creation; the store keeps only its hash and a short hint.
type ClientSecret struct {
	ID        string
	ClientID  string
	Hash      []byte // SHA-256 of the secret; secrets are 256-bit random, so a fast hash suffices
	Hint      string // the first characters of the secret, to tell secrets apart in listings
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SigningKey is a private key the token service signs access tokens with.
// Keys live in the store so that every server signs and verifies with the
// same keys and a restart does not invalidate issued tokens.
type SigningKey struct {
	ID         string // the JWK "kid"
	Algorithm  string // the JWS algorithm, e.g. "RS256"
	PrivateKey []byte // PKCS #8, DER
	CreatedAt  time.Time
	// RetiredAt is when the key stopped signing; zero while it is the
	// active key. A retired key is still published until its tokens expire.
	RetiredAt time.Time
}
