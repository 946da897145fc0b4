package rules

import (
	"strings"
	"sync"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
)

// Facts is what the tenant-wide reads (sync.md reads 1, 3, 4 and 5) say
// about users, collected page by page while Graph streams them, so that
// read 2 can then be judged user by user without holding every user.
//
// Memory grows with the flagged users only: Facts keeps the ids with
// isMfaRegistered false, the at-risk users that count, and the users with a
// noncompliant device, never the users the reads clear. The domains (a few
// per tenant) are kept whole.
//
// The zero value is ready to use. Facts is safe for concurrent use, so the
// sync may stream reads 3–5 in parallel into one Facts.
type Facts struct {
	mu           sync.RWMutex
	domains      map[string]graph.Domain // by lower-case domain name
	mfaOff       map[userKey]struct{}
	risk         map[userKey]secusers.Status // HighRisk or MediumRisk
	noncompliant map[userKey]struct{}
	unavailable  secusers.StatusSet
	reasons      [secusers.NumStatuses]string
}

// UnavailableStatus is a status the run could not judge for anyone, and why
// (the read Graph refused, e.g. a 403 for a missing licence).
type UnavailableStatus struct {
	Status secusers.Status
	Reason string
}

// AddDomain records a domain of read 1. Domain names compare
// case-insensitively (DNS names do); a name read twice keeps the last.
func (f *Facts) AddDomain(d graph.Domain) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.domains == nil {
		f.domains = make(map[string]graph.Domain)
	}
	f.domains[strings.ToLower(d.ID)] = d
}

// AddRegistration records a user of read 3. Only isMfaRegistered false is
// kept. A user listed twice (a page repeated across a retry) is flagged when
// any of its records says false, so the result does not depend on the order
// the pages arrive in.
func (f *Facts) AddRegistration(r graph.RegistrationDetail) {
	if r.IsMfaRegistered {
		return
	}
	k, ok := keyOf(r.ID)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mfaOff == nil {
		f.mfaOff = make(map[userKey]struct{})
	}
	f.mfaOff[k] = struct{}{}
}

// AddRiskyUser records a user of read 4 when it counts: riskLevel high or
// medium with riskState atRisk or confirmedCompromised (sync.md statuses 3
// and 4). The other states (none, confirmedSafe, remediated, dismissed,
// unknownFutureValue) mean the risk was handled or is not known, and the
// other levels (low, hidden, none) are not findings. Values compare
// case-insensitively. A user listed twice keeps its highest counting level,
// again so that order does not matter.
func (f *Facts) AddRiskyUser(r graph.RiskyUser) {
	level, ok := countingRisk(r)
	if !ok {
		return
	}
	k, ok := keyOf(r.ID)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.risk == nil {
		f.risk = make(map[userKey]secusers.Status)
	}
	if f.risk[k] != secusers.HighRisk {
		f.risk[k] = level
	}
}

// countingRisk returns the status a risky-user record earns, if any.
func countingRisk(r graph.RiskyUser) (secusers.Status, bool) {
	if !strings.EqualFold(r.RiskState, "atRisk") && !strings.EqualFold(r.RiskState, "confirmedCompromised") {
		return 0, false
	}
	switch {
	case strings.EqualFold(r.RiskLevel, "high"):
		return secusers.HighRisk, true
	case strings.EqualFold(r.RiskLevel, "medium"):
		return secusers.MediumRisk, true
	}
	return 0, false
}

// AddDevice records a device of read 5 when its complianceState is
// noncompliant (compared case-insensitively). The other states — compliant,
// inGracePeriod, conflict, error, unknown, configManager — do not count:
// sync.md names noncompliant alone, and a device in its grace period is not
// yet out of compliance. A device with no primary user (empty userId) flags
// no one.
func (f *Facts) AddDevice(d graph.ManagedDevice) {
	if !strings.EqualFold(d.ComplianceState, "noncompliant") {
		return
	}
	k, ok := keyOf(d.UserID)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noncompliant == nil {
		f.noncompliant = make(map[userKey]struct{})
	}
	f.noncompliant[k] = struct{}{}
}

// Unavailable records that status cannot be judged in this run because a
// read was refused (sync.md "When Graph does not give everything"): from
// then on no user gets it, whatever was read before the refusal (a read that
// fails on its third page has seen only part of the tenant). A read that
// feeds two statuses (read 4: HighRisk and MediumRisk) is recorded once per
// status. The first reason given for a status is kept, since it names the
// cause; an undefined status is ignored.
func (f *Facts) Unavailable(status secusers.Status, reason string) {
	if !status.Valid() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unavailable.Has(status) {
		return
	}
	f.unavailable = f.unavailable.With(status)
	f.reasons[status] = reason
}

// UnavailableStatuses lists the statuses recorded as unavailable, in status
// order, for the run's result.
func (f *Facts) UnavailableStatuses() []UnavailableStatus {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]UnavailableStatus, 0, f.unavailable.Len())
	for _, s := range f.unavailable.Statuses() {
		out = append(out, UnavailableStatus{Status: s, Reason: f.reasons[s]})
	}
	return out
}
