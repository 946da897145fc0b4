package rules

import (
	"strings"
	"time"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
)

// DefaultInactiveDays is the inactivity threshold of a tenant that sets
// none (sync.md status 6, "default 90"). Inactive uses it for any
// inactiveDays below 1, because a zero-valued setting means "not set", not
// "inactive after no time at all".
const DefaultInactiveDays = 90

// PendingDeletionDays is how long Entra keeps a soft-deleted user before
// deleting it for good (sync.md status 7).
const PendingDeletionDays = 30

// maxDays caps every day count the rules add to a date (about 2,700
// years). Beyond it nothing can expire or go inactive in practice, and the
// cap keeps a hostile or corrupt value (an int64 near its maximum) from
// overflowing the date arithmetic.
const maxDays = 1_000_000

// daysAfter returns t moved by days whole 24-hour days (negative: back).
// AddDate on a UTC time adds exactly 24 hours a day, and never overflows
// for |days| ≤ maxDays.
func daysAfter(t time.Time, days int) time.Time {
	return t.UTC().AddDate(0, 0, days)
}

// SignInBlocked is status 1: accountEnabled is false. A null accountEnabled
// is not a finding: Graph always sends it for users it can describe, and an
// unknown value must not flag.
func SignInBlocked(u graph.User) bool {
	return u.AccountEnabled != nil && !*u.AccountEnabled
}

// PasswordExpiredIn is status 2 for u under the password policy of d, which
// the caller has matched to the domain of u's UPN (Facts.PasswordExpired
// does). The password has expired when lastPasswordChangeDateTime plus the
// domain's passwordValidityPeriodInDays is strictly before now: at exactly
// that instant it has not expired yet. It never has when:
//   - onPremisesSyncEnabled is true (the on-premises directory decides);
//   - passwordPolicies lists DisablePasswordExpiration (the list is
//     comma-separated; entries are trimmed and compared case-insensitively);
//   - lastPasswordChangeDateTime is null (nothing to count from);
//   - the domain's value is null or graph.NeverExpires, as sync.md decides;
//     also below 1 (Entra accepts no such policy, so it is not read as
//     "expires at once") or above maxDays.
func PasswordExpiredIn(u graph.User, d graph.Domain, now time.Time) bool {
	switch {
	case u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled:
		return false
	case expirationDisabled(u.PasswordPolicies):
		return false
	case u.LastPasswordChangeDateTime == nil:
		return false
	}
	days, ok := validityDays(d)
	if !ok {
		return false
	}
	return daysAfter(*u.LastPasswordChangeDateTime, days).Before(now)
}

// validityDays returns the domain's password lifetime when passwords of the
// domain expire at all.
func validityDays(d graph.Domain) (int, bool) {
	v := d.PasswordValidityPeriodInDays
	if v == nil || *v == graph.NeverExpires || *v < 1 || *v > maxDays {
		return 0, false
	}
	return int(*v), true
}

// expirationDisabled reports whether passwordPolicies (e.g.
// "DisablePasswordExpiration, DisableStrongPassword") disables expiry.
func expirationDisabled(policies *string) bool {
	if policies == nil {
		return false
	}
	for p := range strings.SplitSeq(*policies, ",") {
		if strings.EqualFold(strings.TrimSpace(p), "DisablePasswordExpiration") {
			return true
		}
	}
	return false
}

// upnDomain returns the lower-case domain of a UPN: the part after its last
// "@" (a guest's UPN, alice_fabrikam.com#EXT#@contoso.com, has its own "@"
// encoded, but the last one is always the tenant's). "" when there is none.
func upnDomain(upn *string) string {
	if upn == nil {
		return ""
	}
	i := strings.LastIndexByte(*upn, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower((*upn)[i+1:])
}

// Inactive is status 6: u's last activity is more than inactiveDays whole
// days before now, i.e. strictly before now − inactiveDays; exactly at that
// instant it is not inactive yet. The last activity is the later of
// signInActivity's lastSignInDateTime and lastNonInteractiveSignInDateTime;
// a user with neither (never signed in; a null or absent signInActivity
// counts the same) counts from createdDateTime, and a user without that
// either is not judged. inactiveDays below 1 means
// DefaultInactiveDays.
//
// Inactive cannot know that the tenant's signInActivity was refused (no
// Entra ID P1): the caller records that with Facts.Unavailable(Inactive, …)
// and UserStatus then sets it for no one.
func Inactive(u graph.User, now time.Time, inactiveDays int) bool {
	last := lastActivity(u)
	if last == nil {
		return false
	}
	if inactiveDays < 1 {
		inactiveDays = DefaultInactiveDays
	}
	return last.Before(daysAfter(now, -min(inactiveDays, maxDays)))
}

// lastActivity returns when u was last active, or nil when nothing says.
// Graph writes "never signed in" as null or, in its own samples, as
// 0001-01-01T00:00:00Z; both mean no sign-in, so creation time decides.
func lastActivity(u graph.User) *time.Time {
	var last *time.Time
	if a := u.SignInActivity; a != nil {
		for _, t := range []*time.Time{a.LastSignInDateTime, a.LastNonInteractiveSignInDateTime} {
			if t != nil && !neverTime(*t) && (last == nil || t.After(*last)) {
				last = t
			}
		}
	}
	if last == nil && u.CreatedDateTime != nil && !neverTime(*u.CreatedDateTime) {
		last = u.CreatedDateTime
	}
	return last
}

// neverTime reports whether t is Graph's placeholder for "never": the zero
// DateTimeOffset, 0001-01-01T00:00:00Z.
func neverTime(t time.Time) bool { return t.Year() <= 1 }

// PendingDeletion is status 7 for a user of read 6: deletedDateTime is less
// than PendingDeletionDays before now, i.e. strictly after now − 30 days; at
// exactly 30 days it is no longer a security user (Entra purges it then).
// A deletedDateTime after now (clock skew between Graph and us) counts as
// just deleted. A null deletedDateTime does not count: the rule needs the
// date, and Graph always sends it for deleted items.
func PendingDeletion(u graph.User, now time.Time) bool {
	d := u.DeletedDateTime
	return d != nil && d.After(daysAfter(now, -PendingDeletionDays))
}

// MFADisabled is status 0: read 3 listed u with isMfaRegistered false.
func (f *Facts) MFADisabled(u graph.User) bool {
	return f.judge(u, (*Facts).mfaDisabled)
}

// HighRisk is status 3: read 4 listed u at risk with riskLevel high.
func (f *Facts) HighRisk(u graph.User) bool {
	return f.judge(u, func(f *Facts, k userKey) bool { return f.riskIs(k, secusers.HighRisk) })
}

// MediumRisk is status 4: read 4 listed u at risk with riskLevel medium.
func (f *Facts) MediumRisk(u graph.User) bool {
	return f.judge(u, func(f *Facts, k userKey) bool { return f.riskIs(k, secusers.MediumRisk) })
}

// Compliance is status 5: read 5 listed a noncompliant device of u.
func (f *Facts) Compliance(u graph.User) bool {
	return f.judge(u, (*Facts).hasNoncompliantDevice)
}

// PasswordExpired is status 2: PasswordExpiredIn under the domain of u's
// UPN, looked up case-insensitively among the domains of read 1. A UPN
// without "@" or with a domain read 1 did not list is not judged.
func (f *Facts) PasswordExpired(u graph.User, now time.Time) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.passwordExpired(u, now)
}

// judge answers a per-user rule of the reads under the read lock.
func (f *Facts) judge(u graph.User, rule func(*Facts, userKey) bool) bool {
	k, ok := keyOf(u.ID)
	if !ok {
		return false
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return rule(f, k)
}

// The unlocked rules below each honour Unavailable themselves, so that a
// single rule asked directly answers as UserStatus would.

func (f *Facts) mfaDisabled(k userKey) bool {
	_, ok := f.mfaOff[k]
	return ok && !f.unavailable.Has(secusers.MFADisabled)
}

func (f *Facts) riskIs(k userKey, level secusers.Status) bool {
	return f.risk[k] == level && !f.unavailable.Has(level)
}

func (f *Facts) hasNoncompliantDevice(k userKey) bool {
	_, ok := f.noncompliant[k]
	return ok && !f.unavailable.Has(secusers.Compliance)
}

func (f *Facts) passwordExpired(u graph.User, now time.Time) bool {
	name := upnDomain(u.UserPrincipalName)
	if name == "" {
		return false
	}
	d, ok := f.domains[name]
	return ok && !f.unavailable.Has(secusers.PasswordExpired) && PasswordExpiredIn(u, d, now)
}
