package fakegraph

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// pwCase is how a user's password stands against sync.md's PasswordExpired
// rule; each exception of the rule is its own case.
type pwCase struct {
	domain   domainKind
	old      bool   // changed more than the domain's validity ago
	policies string // passwordPolicies; "" is null
	onPrem   int    // onPremisesSyncEnabled: 0 null, 1 true, 2 false
}

var (
	pwCases = []pwCase{
		{domain: domainExpiring},
		{domain: domainExpiring, old: true},
		{domain: domainExpiring, old: true, policies: "DisablePasswordExpiration"},
		{domain: domainExpiring, old: true, policies: "DisablePasswordExpiration, DisableStrongPassword"},
		{domain: domainExpiring, old: true, policies: "DisableStrongPassword"}, // still expires
		{domain: domainExpiring, old: true, onPrem: 1},
		{domain: domainExpiring, old: true, onPrem: 2}, // false: still expires
		{domain: domainNever, old: true},
		{domain: domainNull, old: true},
	}
	pwWeights = []int{55, 12, 8, 3, 3, 10, 2, 5, 2}
)

// when is a sign-in time relative to the inactivity threshold.
type when int

const (
	never  when = iota // null
	recent             // inside the threshold
	old                // outside it
	zero               // Graph's "0001-01-01T00:00:00Z" for never
)

// siCase is how a user stands against the Inactive rule.
type siCase struct {
	interactive, nonInteractive when
	noActivity                  bool // signInActivity itself is null
	newAccount                  bool // created inside the threshold
}

var (
	// The first case is the new account, so that coverage puts it on user
	// 0, whose password case is the recent one it needs.
	siCases = []siCase{
		{newAccount: true},
		{interactive: recent, nonInteractive: recent},
		{interactive: recent},
		{nonInteractive: recent},
		{interactive: old, nonInteractive: recent},
		{interactive: recent, nonInteractive: old},
		{interactive: old, nonInteractive: old},
		{interactive: old},
		{},
		{interactive: recent, nonInteractive: zero},
		{interactive: old, nonInteractive: zero},
		{noActivity: true},
	}
	siWeights = []int{4, 40, 8, 6, 10, 5, 8, 4, 4, 4, 2, 3}
)

// minimalUser is the coverage user whose every nullable property is null.
const minimalUser = 10

// userBacking holds what a generated user's pointers point at, so that a
// user costs one allocation for all of them rather than one each.
type userBacking struct {
	strs   [13]string
	times  [5]time.Time
	bools  [2]bool
	phones [3]string
	sia    graph.SignInActivity
}

// user is user i of read 2.
func (g *generator) user(i int) graph.User {
	r := newRNG(g.seed, kindUser, i)
	b := new(userBacking)
	id := newRNG(g.seed, kindUserID, i)
	u, validity := g.person(&r, b, i, id.guid(), "")
	si := siCases[pickCase(&r, i, siWeights)]
	g.placeTimes(&r, b, &u, si, validity)
	return u
}

// deleted is soft-deleted user j of read 6.
func (g *generator) deleted(j int) graph.User {
	r := newRNG(g.seed, kindDeleted, j)
	b := new(userBacking)
	idr := newRNG(g.seed, kindDeletedID, j)
	id := idr.guid()
	u, validity := g.person(&r, b, j, id, "d")
	g.placeTimes(&r, b, &u, siCase{}, validity)
	u.SignInActivity = nil
	// Entra frees a deleted user's UPN by prefixing it with the object id
	// without hyphens; the domain part is unchanged.
	b.strs[0] = strings.ReplaceAll(id, "-", "") + *u.UserPrincipalName
	u.UserPrincipalName = &b.strs[0]
	deletedAgo := []struct{ lo, hi time.Duration }{
		{time.Hour, days(25)},               // well inside 30 days
		{days(28), days(29) + 12*time.Hour}, // just inside
		{days(30) + 12*time.Hour, days(45)}, // outside: the sync drops it
	}[pickCase(&r, j, []int{60, 20, 20})]
	b.times[4] = g.ago(&r, deletedAgo.lo, deletedAgo.hi)
	u.DeletedDateTime = &b.times[4]
	return u
}

// person fills what active and deleted users share: identity, contact
// properties, account state and password policy. prefix and i make the UPN
// unique; coverage cases go to the first active users only. It returns the
// validity days of the user's domain, 0 when they never expire.
func (g *generator) person(r *rng, b *userBacking, i int, id, prefix string) (graph.User, int) {
	gi, si := r.intn(len(givenNames)), r.intn(len(surnames))
	given, sur := givenNames[gi], surnames[si]
	c, employee := i, 100000+i // the coverage index; employee numbers
	if prefix != "" {          // a deleted user
		c, employee = len(siWeights)+i, 900000+i
	}
	pw := pwCases[pickCase(r, c, pwWeights)]
	domains := g.byKind[pw.domain]
	domain := g.domains[domains[r.intn(len(domains))]]
	minimal := c == minimalUser
	opt := func(k int, percentNull int, v string) *string {
		if minimal || r.chance(percentNull) {
			return nil
		}
		b.strs[k] = v
		return &b.strs[k]
	}
	var buf [128]byte // one allocation for the UPN: the string itself
	upn := append(buf[:0], given.handle...)
	upn = append(append(upn, '.'), sur.handle...)
	upn = strconv.AppendInt(append(upn, prefix...), int64(i), 10)
	upn = append(append(upn, '@'), domain.ID...)
	b.strs[0] = string(upn)
	b.strs[1] = displayNames()[gi][si]
	u := graph.User{
		ID:                id,
		UserPrincipalName: &b.strs[0],
		DisplayName:       &b.strs[1],
		Mail:              opt(2, 12, b.strs[0]),
		GivenName:         opt(3, 3, given.text),
		Surname:           opt(4, 3, sur.text),
		EmployeeID:        opt(5, 30, "E"+strconv.Itoa(employee)),
		OfficeLocation:    opt(6, 20, pick(r, offices)),
		Department:        opt(7, 15, pick(r, departments)),
		MobilePhone:       opt(8, 40, phone(r)),
		JobTitle:          opt(9, 15, pick(r, jobTitles)),
		CompanyName:       opt(10, 25, pick(r, g.companies)),
		Country:           opt(11, 10, pick(r, countries)),
		BusinessPhones:    b.phones[:0],
	}
	if !minimal {
		for k := range pickCase(r, c, []int{45, 40, 10, 5}) {
			b.phones[k] = phone(r)
			u.BusinessPhones = b.phones[:k+1]
		}
	}
	b.bools[0] = pickCase(r, c, []int{92, 8}) == 0
	u.AccountEnabled = &b.bools[0]
	if pw.policies != "" {
		b.strs[12] = pw.policies
		u.PasswordPolicies = &b.strs[12]
	}
	if pw.onPrem != 0 {
		b.bools[1] = pw.onPrem == 1
		u.OnPremisesSyncEnabled = &b.bools[1]
	}
	validity := 0
	if v := domain.PasswordValidityPeriodInDays; v != nil && *v != graph.NeverExpires {
		validity = int(*v)
	}
	// placeTimes moves the change to the creation for a new account.
	b.times[1] = g.passwordChange(r, pw.old, validity)
	return u, validity
}

// passwordChange places a password change at least a day from the moment the
// domain's validity runs out.
func (g *generator) passwordChange(r *rng, isOld bool, validity int) time.Time {
	v := validity
	if v == 0 { // never expires: "old" is still years, "recent" weeks
		v = 90
	}
	if isOld {
		return g.ago(r, days(v+1), days(v+300))
	}
	return g.ago(r, time.Hour, days(v-1))
}

// placeTimes sets the sign-ins, the password change and the creation, which
// precedes all of them.
func (g *generator) placeTimes(r *rng, b *userBacking, u *graph.User, si siCase, validity int) {
	inactive := g.inactiveDays
	signIn := func(k int, w when) *time.Time {
		switch w {
		case recent:
			b.times[k] = g.ago(r, time.Hour, days(inactive-1))
		case old:
			b.times[k] = g.ago(r, days(inactive+1), days(inactive+600))
		case zero:
			b.times[k] = time.Time{}
		default:
			return nil
		}
		return &b.times[k]
	}
	b.sia.LastSignInDateTime = signIn(2, si.interactive)
	b.sia.LastNonInteractiveSignInDateTime = signIn(3, si.nonInteractive)
	if !si.noActivity {
		u.SignInActivity = &b.sia
	}
	if si.newAccount {
		// Younger than the inactivity threshold and than the password
		// validity, which its password was set at.
		youngest := inactive
		if validity > 0 {
			youngest = min(youngest, validity)
		}
		b.times[0] = g.ago(r, time.Hour, days(youngest-1))
		b.times[1] = b.times[0] // the password was set at creation
	} else {
		earliest := g.now.Add(-days(inactive + 1))
		for _, t := range []time.Time{b.times[1], b.times[2], b.times[3]} {
			if !t.IsZero() && t.Before(earliest) {
				earliest = t
			}
		}
		b.times[0] = earliest.Add(-r.duration(0, days(400)))
	}
	u.CreatedDateTime = &b.times[0]
	u.LastPasswordChangeDateTime = &b.times[1]
}

// phone is a North American number in 555-0100…0199, the range reserved
// for fiction.
func phone(r *rng) string {
	p := phones()
	return p[r.intn(len(p))]
}

// phones and displayNames are made once so that generating a user does not
// allocate them.
var (
	phones = sync.OnceValue(func() []string {
		var out []string
		for _, area := range []string{"206", "312", "415", "425", "512", "617", "628", "743", "857", "917"} {
			for n := 10; n < 100; n++ {
				out = append(out, "+1 "+area+" 555 01"+strconv.Itoa(n))
			}
		}
		return out
	})
	displayNames = sync.OnceValue(func() [][]string {
		out := make([][]string, len(givenNames))
		for i, g := range givenNames {
			for _, s := range surnames {
				out[i] = append(out[i], g.text+" "+s.text)
			}
		}
		return out
	})
)
