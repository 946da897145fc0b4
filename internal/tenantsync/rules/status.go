package rules

import (
	"encoding/json"
	"time"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
)

// UserStatus returns the statuses 0–6 that u, a user of read 2, earns at
// now: each rule of this package, less the statuses recorded as
// unavailable. It never sets PendingDeletion (read 6's users go through
// DeletedUser) nor TestUser (the partner's; see KeepPartnerFields).
// inactiveDays is the tenant's inactivity threshold (below 1: the default).
//
// Call it once the domains and reads 3–5 are all in: a user judged before a
// read has finished would miss that read's findings.
func (f *Facts) UserStatus(u graph.User, now time.Time, inactiveDays int) secusers.StatusSet {
	var s secusers.StatusSet
	if SignInBlocked(u) {
		s = s.With(secusers.SignInBlocked)
	}
	if Inactive(u, now, inactiveDays) {
		s = s.With(secusers.Inactive)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.passwordExpired(u, now) {
		s = s.With(secusers.PasswordExpired)
	}
	if k, ok := keyOf(u.ID); ok {
		if f.mfaDisabled(k) {
			s = s.With(secusers.MFADisabled)
		}
		if f.riskIs(k, secusers.HighRisk) {
			s = s.With(secusers.HighRisk)
		}
		if f.riskIs(k, secusers.MediumRisk) {
			s = s.With(secusers.MediumRisk)
		}
		if f.hasNoncompliantDevice(k) {
			s = s.With(secusers.Compliance)
		}
	}
	// Only Inactive and SignInBlocked can still be here although
	// unavailable (the rules of the reads honour it themselves).
	return s &^ f.unavailable
}

// MarshalJSON writes the entry as the run's result shows it (cli.md, sync
// with -o json): {"status":"MFADisabled","reason":"…"}, the status by name.
func (u UnavailableStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}{u.Status.String(), u.Reason})
}
