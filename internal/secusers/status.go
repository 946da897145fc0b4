package secusers

import (
	"math/bits"
	"strconv"
	"strings"
)

// Status is one security finding about a user. Its value is the bit's index
// in a StatusSet and the number clients send in the status query parameter.
type Status uint8

// The statuses, in the order of the spec (security-users-api.md §3). 0–5 are
// the reference's list; 6–8 are the later public revision's additions.
const (
	MFADisabled     Status = 0
	SignInBlocked   Status = 1
	PasswordExpired Status = 2
	HighRisk        Status = 3
	MediumRisk      Status = 4
	Compliance      Status = 5
	Inactive        Status = 6
	PendingDeletion Status = 7
	TestUser        Status = 8
)

// NumStatuses is the number of defined statuses; valid values are 0 … NumStatuses-1.
const NumStatuses = 9

var statusNames = [NumStatuses]string{
	"MFADisabled", "SignInBlocked", "PasswordExpired", "HighRisk", "MediumRisk",
	"Compliance", "Inactive", "PendingDeletion", "TestUser",
}

// AllStatuses lists every defined status in value order.
func AllStatuses() []Status {
	out := make([]Status, NumStatuses)
	for i := range out {
		out[i] = Status(i)
	}
	return out
}

// Valid reports whether s is a defined status.
func (s Status) Valid() bool { return s < NumStatuses }

// String returns the status's name as the spec writes it, or its number when
// it is not defined.
func (s Status) String() string {
	if !s.Valid() {
		return strconv.Itoa(int(s))
	}
	return statusNames[s]
}

// ParseStatus reads a status given as its number ("3") or its name, in any
// letter case ("highrisk").
func ParseStatus(text string) (Status, bool) {
	if n, err := strconv.Atoi(text); err == nil {
		if n < 0 || n >= NumStatuses {
			return 0, false
		}
		return Status(n), true
	}
	for i, name := range statusNames {
		if strings.EqualFold(text, name) {
			return Status(i), true
		}
	}
	return 0, false
}

// StatusSet is a set of statuses as the wire's integer bit set: bit i is set
// when the user has Status i (the reference's sample 13 = MFADisabled,
// PasswordExpired and HighRisk).
type StatusSet uint16

// AllStatusBits is the set of every defined status.
const AllStatusBits StatusSet = 1<<NumStatuses - 1

// TestUserBit is TestUser's bit, by name, for the stores' SQL that selects
// test users (status & TestUserBit): a store passes it as a parameter
// rather than write 256.
const TestUserBit StatusSet = 1 << TestUser

// FilterMask returns the bits a store tests (status & mask != 0) to select
// the users a filter of s matches: s itself, or, for no filter (0), every
// defined status, since every user with a status matches then and users
// hold only defined bits.
func (s StatusSet) FilterMask() StatusSet {
	if s == 0 {
		return AllStatusBits
	}
	return s
}

// StatusSetOf returns the set holding the given statuses.
func StatusSetOf(statuses ...Status) StatusSet {
	var s StatusSet
	for _, st := range statuses {
		s = s.With(st)
	}
	return s
}

// Has reports whether st is in the set.
func (s StatusSet) Has(st Status) bool { return st.Valid() && s&(1<<st) != 0 }

// With returns the set with st added.
func (s StatusSet) With(st Status) StatusSet {
	if !st.Valid() {
		return s
	}
	return s | 1<<st
}

// Without returns the set with st removed.
func (s StatusSet) Without(st Status) StatusSet { return s &^ (1 << st) }

// Intersects reports whether the two sets share a status.
func (s StatusSet) Intersects(o StatusSet) bool { return s&o != 0 }

// Valid reports whether the set holds only defined statuses.
func (s StatusSet) Valid() bool { return s&^AllStatusBits == 0 }

// Len returns the number of statuses in the set.
func (s StatusSet) Len() int { return bits.OnesCount16(uint16(s)) }

// Statuses lists the set's statuses in value order.
func (s StatusSet) Statuses() []Status {
	out := make([]Status, 0, s.Len())
	for i := Status(0); i < NumStatuses; i++ {
		if s.Has(i) {
			out = append(out, i)
		}
	}
	return out
}

// String returns the names of the set's statuses joined by "|", or "None".
func (s StatusSet) String() string {
	if s == 0 {
		return "None"
	}
	names := make([]string, 0, s.Len())
	for _, st := range s.Statuses() {
		names = append(names, st.String())
	}
	return strings.Join(names, "|")
}

// Only returns the status when the set holds exactly one: a filter of one
// status is what the stores answer from that status's own index.
func (s StatusSet) Only() (Status, bool) {
	if bits.OnesCount16(uint16(s)) != 1 {
		return 0, false
	}
	return Status(bits.TrailingZeros16(uint16(s))), true
}
