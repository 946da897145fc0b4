package fakegraph

import (
	"iter"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// Tenant is what the fake serves: one Entra tenant's directory as the six
// reads of sync.md see it. The sync's end-to-end tests read the same Tenant
// to compute the statuses they expect.
type Tenant struct {
	// EntraTenantID is the tenant's GUID, the {tenant} of the login URL.
	EntraTenantID string
	// GeneratedAt is the instant Generate placed every relative fact around
	// ("signed in 10 days ago"); zero for a tenant built by hand.
	GeneratedAt time.Time

	// Domains is read 1; the first is the initial *.onmicrosoft.com one.
	Domains Collection[graph.Domain]
	// Users is read 2, in the order Graph pages them.
	Users Collection[graph.User]
	// Registrations is read 3: one row per user the report knows.
	Registrations Collection[Registration]
	// RiskyUsers is read 4: users Identity Protection has ever flagged.
	RiskyUsers Collection[RiskyUser]
	// Devices is read 5: Intune's devices, several to a user or none.
	Devices Collection[Device]
	// Deleted is read 6: soft-deleted users, with DeletedDateTime set.
	Deleted Collection[graph.User]

	// SecurityDefaults is read 7: whether security defaults are on.
	SecurityDefaults bool
	// Policies is read 8: the Conditional Access policies, of every state.
	Policies Collection[graph.ConditionalAccessPolicy]
	// Groups is read 9: for each group, the ids of its users, nested
	// groups' users included (transitiveMembers). A group not in the map
	// does not exist.
	Groups map[string]Collection[string]
	// RoleAssignments is read 10: the active directory role assignments.
	RoleAssignments Collection[graph.RoleAssignment]
}

// Registration is a row of userRegistrationDetails. The sync reads the
// embedded id, isMfaRegistered, methodsRegistered and isAdmin; the rest is
// there so that the JSON has Graph's shape.
type Registration struct {
	graph.RegistrationDetail
	UserPrincipalName string
	UserDisplayName   string
	UserType          string // member or guest
	LastUpdated       time.Time
}

// RiskyUser is a row of identityProtection/riskyUsers. The sync reads the
// embedded id, riskLevel and riskState.
type RiskyUser struct {
	graph.RiskyUser
	RiskDetail        string
	UserPrincipalName string
	UserDisplayName   string
	// IsDeleted marks the risk record of a user who has since been deleted:
	// Identity Protection keeps it, and its id is not among the users.
	IsDeleted       bool
	RiskLastUpdated time.Time
}

// Device is an Intune managed device. The sync reads the embedded id,
// userId and complianceState; a device without a primary user has userId "".
type Device struct {
	graph.ManagedDevice
	DeviceName        string
	OperatingSystem   string
	OSVersion         string
	OwnerType         string // company or personal
	UserPrincipalName string
	UserDisplayName   string
	Enrolled          time.Time
	LastSync          time.Time
}

// UserFacts is one user of read 2 with what reads 3 to 5 say about it: the
// inputs of the rules for statuses 0–6.
type UserFacts struct {
	User graph.User
	// Domain is the domain of the user's UPN; ok false when none matches.
	Domain   graph.Domain
	DomainOK bool
	// Registration is nil when read 3 does not list the user.
	Registration *Registration
	// Risk is nil when read 4 does not list the user.
	Risk    *RiskyUser
	Devices []Device
}

// Facts yields every user of read 2 joined with reads 1, 3, 4 and 5. It
// indexes reads 3–5 in memory first, so it is for tests, not for 1,000,000
// users.
func (t *Tenant) Facts() iter.Seq[UserFacts] {
	return func(yield func(UserFacts) bool) {
		regs := make(map[string]*Registration, t.Registrations.Len)
		for r := range t.Registrations.Values() {
			regs[r.ID] = &r
		}
		risks := make(map[string]*RiskyUser, t.RiskyUsers.Len)
		for r := range t.RiskyUsers.Values() {
			risks[r.ID] = &r
		}
		devices := make(map[string][]Device)
		for d := range t.Devices.Values() {
			devices[d.UserID] = append(devices[d.UserID], d)
		}
		for u := range t.Users.Values() {
			f := UserFacts{User: u, Registration: regs[u.ID], Risk: risks[u.ID], Devices: devices[u.ID]}
			if u.UserPrincipalName != nil {
				f.Domain, f.DomainOK = t.DomainOf(*u.UserPrincipalName)
			}
			if !yield(f) {
				return
			}
		}
	}
}

// DomainOf returns the domain of a user principal name (the part after the
// last @), compared without regard to case as Entra does.
func (t *Tenant) DomainOf(upn string) (graph.Domain, bool) {
	at := strings.LastIndexByte(upn, '@')
	if at < 0 {
		return graph.Domain{}, false
	}
	name := upn[at+1:]
	for d := range t.Domains.Values() {
		if strings.EqualFold(d.ID, name) {
			return d, true
		}
	}
	return graph.Domain{}, false
}
