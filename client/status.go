package client

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Status is one security finding about a user. Its value is the number the
// API uses: the bit's index in a StatusSet, and what the status query
// parameter takes.
type Status uint8

// The statuses, in the API's order. 0–5 are the original reference's list;
// 6–8 were added later and do not change the meaning of 0–5.
const (
	MFADisabled     Status = 0 // not registered for multifactor authentication
	SignInBlocked   Status = 1 // the account is disabled
	PasswordExpired Status = 2 // the password is older than the domain allows
	HighRisk        Status = 3 // Identity Protection rates the user's risk high
	MediumRisk      Status = 4 // Identity Protection rates the user's risk medium
	Compliance      Status = 5 // a managed device of the user is not compliant
	Inactive        Status = 6 // no sign-in for the tenant's inactivity period
	PendingDeletion Status = 7 // deleted, waiting for permanent deletion
	TestUser        Status = 8 // marked by the partner as a test account
)

// NumStatuses is the number of statuses this version of the SDK knows.
const NumStatuses = 9

var statusNames = [NumStatuses]string{
	"MFADisabled", "SignInBlocked", "PasswordExpired", "HighRisk", "MediumRisk",
	"Compliance", "Inactive", "PendingDeletion", "TestUser",
}

// AllStatuses returns every status this SDK knows, in value order.
func AllStatuses() []Status {
	out := make([]Status, NumStatuses)
	for i := range out {
		out[i] = Status(i)
	}
	return out
}

// String returns the status's name as the API documents it. A status
// unknown to this version (a newer server's) prints as its number, so it
// is still shown rather than lost.
func (s Status) String() string {
	if s >= NumStatuses {
		return strconv.Itoa(int(s))
	}
	return statusNames[s]
}

// ParseStatus reads a status given as its name in any letter case
// ("HighRisk", "highrisk") or as its number ("3"), as the API's status
// parameter accepts it. Numbers up to 15 are accepted, so that a status a
// newer server added can be asked for before this SDK knows its name.
func ParseStatus(text string) (Status, error) {
	text = strings.TrimSpace(text)
	if n, err := strconv.Atoi(text); err == nil {
		if n < 0 || n > 15 {
			return 0, fmt.Errorf("status %d out of range: a status is a number from 0 to 15 or a name such as HighRisk", n)
		}
		return Status(n), nil
	}
	for i, name := range statusNames {
		if strings.EqualFold(text, name) {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q: want one of %s, or its number", text, strings.Join(statusNames[:], ", "))
}

// StatusSet is a set of statuses in the API's form: an integer whose bit i
// is set when the user has Status i. The API's sample value 13 (1+4+8) is
// MFADisabled, PasswordExpired and HighRisk.
type StatusSet uint16

// StatusSetOf returns the set holding the given statuses.
func StatusSetOf(statuses ...Status) StatusSet {
	var s StatusSet
	for _, st := range statuses {
		s = s.With(st)
	}
	return s
}

// Has reports whether st is in the set.
func (s StatusSet) Has(st Status) bool { return st < 16 && s&(1<<st) != 0 }

// With returns the set with st added; a status past the set's 16 bits is
// ignored.
func (s StatusSet) With(st Status) StatusSet {
	if st >= 16 {
		return s
	}
	return s | 1<<st
}

// Len returns the number of statuses in the set.
func (s StatusSet) Len() int { return bits.OnesCount16(uint16(s)) }

// Statuses lists the set's statuses in value order.
func (s StatusSet) Statuses() []Status {
	out := make([]Status, 0, s.Len())
	for i := Status(0); i < 16; i++ {
		if s.Has(i) {
			out = append(out, i)
		}
	}
	return out
}

// String returns the names of the set's statuses joined by "|" in value
// order, such as "MFADisabled|HighRisk", or "" for the empty set.
func (s StatusSet) String() string { return s.Join("|") }

// Join returns the names of the set's statuses joined by sep.
func (s StatusSet) Join(sep string) string {
	var b strings.Builder
	for i, st := range s.Statuses() {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(st.String())
	}
	return b.String()
}

// ParseStatusSet reads statuses separated by commas, "|" or ";" (names or
// numbers, as ParseStatus reads them), the forms String and Join write.
// The empty string is the empty set.
func ParseStatusSet(text string) (StatusSet, error) {
	var s StatusSet
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '|' || r == ';' }) {
		st, err := ParseStatus(part)
		if err != nil {
			return 0, err
		}
		s = s.With(st)
	}
	return s, nil
}
