package fakegraph

import (
	"net/http"
	"time"
)

// Endpoint names what the server answers: the token endpoint or a read.
type Endpoint string

// The endpoints. AllReads stands for the six reads together (not Token) in
// SetFault, SetDelay and Stats.
const (
	Token             Endpoint = "token"
	ReadDomains       Endpoint = "domains"
	ReadUsers         Endpoint = "users"
	ReadRegistrations Endpoint = "userRegistrationDetails"
	ReadRiskyUsers    Endpoint = "riskyUsers"
	ReadDevices       Endpoint = "managedDevices"
	ReadDeleted       Endpoint = "deletedUsers"
	AllReads          Endpoint = "allReads"

	// The reads of MFA enforcement, 7–10. AllReads does not stand for
	// them.
	ReadSecurityDefaults Endpoint = "securityDefaults"
	ReadPolicies         Endpoint = "conditionalAccessPolicies"
	ReadGroupMembers     Endpoint = "groupMembers"
	ReadRoleAssignments  Endpoint = "roleAssignments"
)

// Reads are the six reads of sync.md, in its order.
var Reads = []Endpoint{ReadDomains, ReadUsers, ReadRegistrations, ReadRiskyUsers, ReadDevices, ReadDeleted}

// EnforcementReads are reads 7–10 of sync.md, in its order.
var EnforcementReads = []Endpoint{ReadSecurityDefaults, ReadPolicies, ReadGroupMembers, ReadRoleAssignments}

// Fault is an error answer the server gives instead of a page (or a token),
// for the requests it picks. Requests are numbered from 1 when the fault is
// set; by default every one fails. Build one with Throttled, Unavailable,
// Unlicensed… and narrow it with Nth, Storm or After.
type Fault struct {
	Status int
	// Code and Message are the Graph error's (for Token: the OAuth error
	// and its description).
	Code, Message string
	// RetryAfter > 0 sends Retry-After in whole seconds, rounded up.
	RetryAfter time.Duration
	// First is the number of the first failing request (0 means 1).
	First int
	// Count is how many requests fail from First on (0: all of them).
	Count int
	// WhenSelected limits the fault to requests whose $select includes this
	// property: Graph refuses signInActivity, not the users read.
	WhenSelected string
}

// Nth fails request n only.
func (f Fault) Nth(n int) Fault { f.First, f.Count = n, 1; return f }

// Storm fails the first k requests, then the read recovers.
func (f Fault) Storm(k int) Fault { f.First, f.Count = 1, k; return f }

// After lets n requests through, then fails every one: a read that breaks
// midway.
func (f Fault) After(n int) Fault { f.First, f.Count = n+1, 0; return f }

// Throttled is Graph's 429. With retryAfter 0 there is no Retry-After, as
// Identity Protection answers.
func Throttled(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: "TooManyRequests", Message: "Too many requests.", RetryAfter: retryAfter}
}

// Unavailable is Graph's 503, with Retry-After when retryAfter > 0.
func Unavailable(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusServiceUnavailable, Code: "serviceNotAvailable",
		Message: "The service is temporarily unavailable. Please retry after some time.", RetryAfter: retryAfter}
}

// ServerError is another 5xx (500, 502, 504…), which a client retries with
// backoff a bounded number of times.
func ServerError(status int) Fault {
	return Fault{Status: status, Code: "UnknownError", Message: ""}
}

// nonPremium is Graph's answer for a feature that needs Entra ID P1/P2.
var nonPremium = Fault{Status: http.StatusForbidden, Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
	Message: "Neither tenant is B2C or tenant doesn't have premium license"}

// Unlicensed is the 403 a read answers when the tenant lacks its licence:
// for ReadUsers only when signInActivity is selected (Entra ID P1), for
// ReadRegistrations (P1), ReadPolicies (P1) and ReadRiskyUsers (P2)
// always, for ReadDevices (Intune) always. The other reads need no
// licence: for them it is Denied.
func Unlicensed(e Endpoint) Fault {
	switch e {
	case ReadUsers:
		f := nonPremium
		f.WhenSelected = "signInActivity"
		return f
	case ReadRegistrations, ReadRiskyUsers, ReadPolicies:
		return nonPremium
	case ReadDevices:
		return Fault{Status: http.StatusForbidden, Code: "Forbidden", Message: "The tenant is not licensed for Microsoft Intune."}
	default:
		return Denied(e)
	}
}

// UnlicensedBadRequest is the 400 Graph gives instead of a 403 in some
// tenants: for ReadUsers one naming signInActivity, for ReadDevices the
// "Request not applicable to target tenant." that Intune answers without a
// licence. Other endpoints get Unlicensed.
func UnlicensedBadRequest(e Endpoint) Fault {
	switch e {
	case ReadUsers:
		return Fault{Status: http.StatusBadRequest, Code: "Request_UnsupportedQuery", WhenSelected: "signInActivity",
			Message: "Property 'signInActivity' is not available: the tenant does not have a Microsoft Entra ID P1 or P2 license."}
	case ReadDevices:
		return Fault{Status: http.StatusBadRequest, Code: "BadRequest", Message: "Request not applicable to target tenant."}
	default:
		return Unlicensed(e)
	}
}

// Denied is Graph's 403 for an application permission the tenant's admin
// did not grant.
func Denied(Endpoint) Fault {
	return Fault{Status: http.StatusForbidden, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."}
}

// activeFault is a fault with its count of the requests it has seen.
type activeFault struct {
	Fault
	seen int
}

// fires counts one more request and reports whether it fails.
func (a *activeFault) fires() bool {
	a.seen++
	first := max(a.First, 1)
	return a.seen >= first && (a.Count <= 0 || a.seen < first+a.Count)
}

// SetFault makes e (or AllReads) answer f, replacing e's previous fault and
// restarting its request count. It is safe while requests are served. A
// fault without a Status is a 500.
func (s *Server) SetFault(e Endpoint, f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e] = &activeFault{Fault: f}
}

// ClearFault removes e's fault.
func (s *Server) ClearFault(e Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, e)
}

// ClearFaults removes every fault and delay.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
	clear(s.delays)
}

// SetDelay makes every answer of e (or of AllReads) wait d first: a slow
// Graph. Zero removes the delay.
func (s *Server) SetDelay(e Endpoint, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[e] = d
}

// faultFor returns the fault that fails this request of e, if any; selects
// tells whether the request selects a property.
func (s *Server) faultFor(e Endpoint, selects func(string) bool) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := []Endpoint{e, AllReads}
	if e == Token {
		keys = keys[:1]
	}
	for _, k := range keys {
		a := s.faults[k]
		if a == nil || (a.WhenSelected != "" && !selects(a.WhenSelected)) {
			continue
		}
		if a.fires() {
			f := a.Fault
			return &f
		}
	}
	return nil
}

func (s *Server) delayFor(e Endpoint) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.delays[e]
	if e != Token {
		d = max(d, s.delays[AllReads])
	}
	return d
}
