package secusers

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxFieldLength bounds every text field the service stores, in bytes.
const MaxFieldLength = 1024

// ParseGUID returns the canonical (lower-case) form of a GUID written as
// 8-4-4-4-12 hexadecimal digits in any letter case. Other forms (braces,
// "urn:uuid:", no hyphens) are refused: the API's paths never carry them.
func ParseGUID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			b[i] = c + ('a' - 'A')
		default:
			return "", false
		}
	}
	return string(b), true
}

// checkText reports a problem with a stored text field: invalid UTF-8, a NUL
// byte (PostgreSQL's text refuses it, so both stores refuse it), or too long.
func checkText(field, value string, required bool) error {
	switch {
	case required && strings.TrimSpace(value) == "":
		return Errorf(Invalid, "%s is required", field)
	case !utf8.ValidString(value):
		return Errorf(Invalid, "%s is not valid UTF-8", field)
	case strings.IndexByte(value, 0) >= 0:
		return Errorf(Invalid, "%s contains a NUL character", field)
	case len(value) > MaxFieldLength:
		return Errorf(Invalid, "%s is longer than %d bytes", field, MaxFieldLength)
	}
	return nil
}

func checkGUID(field, value string) error {
	if canon, ok := ParseGUID(value); !ok || canon != value {
		return Errorf(Invalid, "%s must be a lower-case GUID (8-4-4-4-12 hexadecimal digits), got %q", field, truncate(value))
	}
	return nil
}

// noDuplicates refuses a list that names the same id twice: a group member,
// a permission or a scope entry listed twice is a mistake in the caller's
// input, not something to store.
func noDuplicates(what string, ids []string) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return Errorf(Invalid, "%s %s is listed twice", what, id)
		}
		seen[id] = true
	}
	return nil
}

// truncate returns a caller's value cut short enough to repeat in a message.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Validate checks the user as every store requires it.
func (u User) Validate() error {
	if err := checkGUID("id", u.ID); err != nil {
		return err
	}
	fields := []struct{ name, value string }{
		{"userPrincipalName", u.UserPrincipalName}, {"mail", u.Mail}, {"displayName", u.DisplayName},
		{"firstName", u.FirstName}, {"lastName", u.LastName}, {"employeeId", u.EmployeeID},
		{"location", u.Location}, {"department", u.Department}, {"mobile", u.Mobile},
		{"jobTitle", u.JobTitle}, {"officePhone", u.OfficePhone}, {"company", u.Company},
		{"countryRegion", u.CountryRegion},
	}
	for _, f := range fields {
		if err := checkText(f.name, f.value, false); err != nil {
			return err
		}
	}
	switch {
	case !u.Status.Valid():
		return Errorf(Invalid, "status %d has bits beyond the defined statuses 0–%d", u.Status, NumStatuses-1)
	case u.Status.Has(TestUser) != u.IsTestUser:
		return Errorf(Invalid, "status bit 8 (TestUser) must equal isTestUser")
	case u.StartDate < 0 || u.EndDate < 0:
		return Errorf(Invalid, "startDate and endDate must be Unix milliseconds ≥ 0")
	case u.StartDate != 0 && u.EndDate != 0 && u.EndDate < u.StartDate:
		return Errorf(Invalid, "endDate is before startDate")
	}
	return nil
}

// ValidateAt is Validate for the n-th user (1-based) of a sequence being
// stored: its message names the position, as every store reports it.
func (u User) ValidateAt(n int) error {
	if err := u.Validate(); err != nil {
		return Errorf(Invalid, "user %d: %s", n, MessageOf(err))
	}
	return nil
}

// DuplicateUserID is the error of the n-th user (1-based) of a sequence
// being stored whose id an earlier user has.
func DuplicateUserID(n int, id string) error {
	return Errorf(Invalid, "user %d: duplicate user id %s", n, id)
}

// Validate checks the partner before it is stored.
func (p Partner) Validate() error {
	if err := checkGUID("partner id", p.ID); err != nil {
		return err
	}
	return checkText("name", p.Name, true)
}

// Validate checks the customer before it is stored.
func (c Customer) Validate() error {
	if err := checkGUID("customer id", c.ID); err != nil {
		return err
	}
	if err := checkGUID("partner id", c.PartnerID); err != nil {
		return err
	}
	return checkText("organization", c.Organization, true)
}

// Validate checks the group before it is stored.
func (g CustomerGroup) Validate() error {
	if err := checkGUID("group id", g.ID); err != nil {
		return err
	}
	if err := checkGUID("partner id", g.PartnerID); err != nil {
		return err
	}
	if err := checkText("name", g.Name, true); err != nil {
		return err
	}
	if len(g.CustomerIDs) == 0 {
		return Errorf(Invalid, "a group needs at least one customer")
	}
	for _, id := range g.CustomerIDs {
		if err := checkGUID("customer id", id); err != nil {
			return err
		}
	}
	return noDuplicates("customer id", g.CustomerIDs)
}

// Validate checks the tenant before it is stored.
func (t Tenant) Validate() error {
	if err := checkGUID("tenant id", t.ID); err != nil {
		return err
	}
	if err := checkGUID("customer id", t.CustomerID); err != nil {
		return err
	}
	return checkText("name", t.Name, true)
}

// Validate checks the app registration before it is stored.
func (a App) Validate() error {
	if err := checkGUID("client id", a.ClientID); err != nil {
		return err
	}
	if err := checkGUID("partner id", a.PartnerID); err != nil {
		return err
	}
	if err := checkText("name", a.Name, true); err != nil {
		return err
	}
	if len(a.Permissions) == 0 {
		return Errorf(Invalid, "an app needs at least one permission (known: %s)", strings.Join(Permissions(), ", "))
	}
	for _, p := range a.Permissions {
		if !ValidPermission(p) {
			return Errorf(Invalid, "unknown permission %q (known: %s)", truncate(p), strings.Join(Permissions(), ", "))
		}
	}
	// The scope's form before any repeat, so that an app with both
	// mistakes hears of the form first.
	if err := a.Scope.checkForm(); err != nil {
		return err
	}
	if err := noDuplicates("permission", a.Permissions); err != nil {
		return err
	}
	return a.Scope.noDuplicates()
}

// Validate checks the client secret record before it is stored.
func (s ClientSecret) Validate() error {
	switch {
	case s.ID == "":
		return Errorf(Invalid, "a client secret needs an id")
	case checkGUID("client id", s.ClientID) != nil:
		return checkGUID("client id", s.ClientID)
	case len(s.Hash) != 32:
		return Errorf(Invalid, "a client secret's hash must be a SHA-256 digest (32 bytes)")
	case s.ExpiresAt.IsZero():
		return Errorf(Invalid, "a client secret needs an expiry")
	}
	return checkText("hint", s.Hint, false)
}

// Validate checks the signing key before it is stored as the active key.
func (k SigningKey) Validate() error {
	switch {
	case k.ID == "" || checkText("key id", k.ID, true) != nil:
		return Errorf(Invalid, "a signing key needs an id (kid)")
	case k.Algorithm == "":
		return Errorf(Invalid, "a signing key needs an algorithm")
	case len(k.PrivateKey) == 0:
		return Errorf(Invalid, "a signing key needs its private key")
	case !k.RetiredAt.IsZero():
		return Errorf(Invalid, "a new signing key cannot be retired already")
	}
	return nil
}

// Activated returns the key as a store stores it as the active key:
// validated, and created at now (the store's clock, read once the store
// holds whatever orders its writers of keys, so that keys made active one
// after the other are dated in that order).
func (k SigningKey) Activated(now time.Time) (SigningKey, error) {
	if err := k.Validate(); err != nil {
		return SigningKey{}, err
	}
	k.CreatedAt = now
	return k, nil
}

// Validate checks the customer scope's form and that no id is listed twice
// (not that its ids exist).
func (s CustomerScope) Validate() error {
	if err := s.checkForm(); err != nil {
		return err
	}
	return s.noDuplicates()
}

func (s CustomerScope) noDuplicates() error { return noDuplicates(string(s.Kind)+" id", s.IDs) }

// checkForm checks the scope's kind and the form of its ids.
func (s CustomerScope) checkForm() error {
	switch s.Kind {
	case ScopeAllCustomers:
		if len(s.IDs) != 0 {
			return Errorf(Invalid, "the customer scope \"all\" takes no ids")
		}
	case ScopeCustomers, ScopeGroups:
		if len(s.IDs) == 0 {
			return Errorf(Invalid, "the customer scope %q needs at least one id", s.Kind)
		}
		for _, id := range s.IDs {
			if err := checkGUID(string(s.Kind)+" id", id); err != nil {
				return err
			}
		}
	default:
		return Errorf(Invalid, "unknown customer scope %q (all, customers or groups)", s.Kind)
	}
	return nil
}
