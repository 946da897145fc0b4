package fakegraph

import (
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// userProps are the user properties the sync selects, plus the defaults
// Graph returns without $select (preferredLanguage, which the fake always
// leaves null) and deletedDateTime.
func userProps(withSignIn bool) []prop[graph.User] {
	s := func(name string, f func(u *graph.User) *string) prop[graph.User] {
		return prop[graph.User]{name, func(e *enc, u *graph.User) { e.strp(f(u)) }}
	}
	b := func(name string, f func(u *graph.User) *bool) prop[graph.User] {
		return prop[graph.User]{name, func(e *enc, u *graph.User) { e.boolp(f(u)) }}
	}
	t := func(name string, f func(u *graph.User) *time.Time) prop[graph.User] {
		return prop[graph.User]{name, func(e *enc, u *graph.User) { e.timep(f(u)) }}
	}
	props := []prop[graph.User]{
		{"id", func(e *enc, u *graph.User) { e.str(u.ID) }},
		s("userPrincipalName", func(u *graph.User) *string { return u.UserPrincipalName }),
		s("mail", func(u *graph.User) *string { return u.Mail }),
		s("displayName", func(u *graph.User) *string { return u.DisplayName }),
		s("givenName", func(u *graph.User) *string { return u.GivenName }),
		s("surname", func(u *graph.User) *string { return u.Surname }),
		s("employeeId", func(u *graph.User) *string { return u.EmployeeID }),
		s("officeLocation", func(u *graph.User) *string { return u.OfficeLocation }),
		s("department", func(u *graph.User) *string { return u.Department }),
		s("mobilePhone", func(u *graph.User) *string { return u.MobilePhone }),
		s("jobTitle", func(u *graph.User) *string { return u.JobTitle }),
		// Graph sends [] rather than null for a user without phones.
		{"businessPhones", func(e *enc, u *graph.User) { e.strs(u.BusinessPhones) }},
		s("companyName", func(u *graph.User) *string { return u.CompanyName }),
		s("country", func(u *graph.User) *string { return u.Country }),
		b("accountEnabled", func(u *graph.User) *bool { return u.AccountEnabled }),
		t("createdDateTime", func(u *graph.User) *time.Time { return u.CreatedDateTime }),
		t("lastPasswordChangeDateTime", func(u *graph.User) *time.Time { return u.LastPasswordChangeDateTime }),
		s("passwordPolicies", func(u *graph.User) *string { return u.PasswordPolicies }),
		b("onPremisesSyncEnabled", func(u *graph.User) *bool { return u.OnPremisesSyncEnabled }),
		{"preferredLanguage", func(e *enc, _ *graph.User) { e.null() }},
		t("deletedDateTime", func(u *graph.User) *time.Time { return u.DeletedDateTime }),
	}
	if withSignIn {
		props = append(props, prop[graph.User]{"signInActivity", writeSignInActivity})
	}
	return props
}

// userDefaults is what GET /users returns without $select, in Graph's order.
var userDefaults = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

var (
	userSchema = newSchema("Microsoft.DirectoryServices.User", userProps(true), userDefaults...)
	// Deleted users do not offer signInActivity: sync.md's read 6 leaves it
	// out, and a client that asks for it gets told.
	deletedSchema = newSchema("Microsoft.DirectoryServices.User", userProps(false), userDefaults...)
)

// writeSignInActivity writes the signInActivity object as Graph does: a
// request id beside each date; for a kind of sign-in that never happened
// either null or, as in Graph's own samples, "0001-01-01T00:00:00Z" with an
// empty request id, in which case lastSuccessfulSignInDateTime is "" too.
func writeSignInActivity(e *enc, u *graph.User) {
	a := u.SignInActivity
	if a == nil {
		e.null()
		return
	}
	e.raw(`{"lastSignInDateTime":`)
	e.timep(a.LastSignInDateTime)
	e.raw(`,"lastSignInRequestId":`)
	writeRequestID(e, a.LastSignInDateTime)
	e.raw(`,"lastNonInteractiveSignInDateTime":`)
	e.timep(a.LastNonInteractiveSignInDateTime)
	e.raw(`,"lastNonInteractiveSignInRequestId":`)
	writeRequestID(e, a.LastNonInteractiveSignInDateTime)
	last, sawZero := latest(a.LastSignInDateTime, a.LastNonInteractiveSignInDateTime)
	switch {
	case sawZero: // Graph's sample pairs the zero date with "" here
		e.raw(`,"lastSuccessfulSignInDateTime":"","lastSuccessfulSignInRequestId":""`)
	case last != nil:
		e.raw(`,"lastSuccessfulSignInDateTime":`)
		e.time(*last)
		e.raw(`,"lastSuccessfulSignInRequestId":`)
		writeRequestID(e, last)
	default:
		e.raw(`,"lastSuccessfulSignInDateTime":null,"lastSuccessfulSignInRequestId":null`)
	}
	e.raw(`}`)
}

// latest is the later of the real (non-zero) times, and whether a zero one
// was seen.
func latest(ts ...*time.Time) (last *time.Time, sawZero bool) {
	for _, t := range ts {
		switch {
		case t == nil:
		case t.IsZero():
			sawZero = true
		case last == nil || t.After(*last):
			last = t
		}
	}
	return last, sawZero
}

// writeRequestID writes the id of the sign-in at t: derived from t, so the
// same user gives the same id on every page and every run.
func writeRequestID(e *enc, t *time.Time) {
	switch {
	case t == nil:
		e.null()
	case t.IsZero():
		e.str("")
	default:
		r := newRNG(t.Unix(), kindRequestID, t.Nanosecond())
		e.buf = append(r.appendGUID(append(e.buf, '"')), '"')
	}
}
