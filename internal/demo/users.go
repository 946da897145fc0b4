package demo

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// DefaultUsers is how many users Ensure puts into an empty demo tenant.
const DefaultUsers = 3000

// Anchor is the "now" of Users: password changes and test windows are
// placed relative to it, so that Users depends on its arguments only.
var Anchor = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Users returns n users on the tenant domain (for example
// "contoso.onmicrosoft.com"), the same ones for the same seed and arguments,
// with times relative to Anchor. Tests and benchmarks use it to build large
// tenants; UserSeq yields the same users lazily and relative to any time.
func Users(seed int64, n int, domain string) []secusers.User {
	out := make([]secusers.User, 0, max(n, 0))
	for u := range UserSeq(seed, n, domain, Anchor) {
		out = append(out, u)
	}
	return out
}

// UserSeq yields n users on the tenant domain with DefaultMix, as
// DefaultMix.UserSeq does.
func UserSeq(seed int64, n int, domain string, now time.Time) iter.Seq2[secusers.User, error] {
	return DefaultMix.UserSeq(seed, n, domain, now)
}

// UserSeq yields n users on the tenant domain with the mix's findings,
// deterministic for the seed, now and mix: password changes spread over the
// two years before now, test users' windows around now. It never yields an
// error; its shape is the one secusers.Store.ReplaceUsers takes, so a tenant
// of a million users can be filled in bounded memory. Each range starts over.
func (m StatusMix) UserSeq(seed int64, n int, domain string, now time.Time) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		g := newGenerator(seed, domain, now, m)
		for i := range n {
			if !yield(g.user(i), nil) {
				return
			}
		}
	}
}

// generator holds the state of one run: the random source, the status mix,
// and how often each mailbox name was given out, which keeps names unique
// within the tenant.
type generator struct {
	rng        *rand.Rand
	mix        StatusMix
	domain     string
	mailDomain string
	company    string
	now        time.Time
	namesakes  map[string]int
}

func newGenerator(seed int64, domain string, now time.Time, mix StatusMix) *generator {
	domain = strings.ToLower(domain)
	// Mail goes to the custom domain a real tenant has next to its
	// .onmicrosoft.com one: contoso.onmicrosoft.com → contoso.com.
	label, _, _ := strings.Cut(domain, ".")
	mailDomain := domain
	if strings.HasSuffix(domain, ".onmicrosoft.com") {
		mailDomain = label + ".com"
	}
	company := label
	if company != "" {
		company = strings.ToUpper(company[:1]) + company[1:]
	}
	return &generator{
		rng:    rand.New(rand.NewPCG(uint64(seed), 0x5ec0_5e75_de70_da7a)),
		mix:    mix,
		domain: domain, mailDomain: mailDomain, company: company,
		now: now.UTC().Truncate(time.Second), namesakes: make(map[string]int),
	}
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *generator) user(i int) secusers.User {
	first, last := g.pick(firstNames), g.pick(lastNames)
	dept := departments[g.rng.IntN(len(departments))]
	office := cities[g.rng.IntN(len(cities))]
	local := g.mailbox(first, last)
	u := secusers.User{
		ID:                g.guid(),
		UserPrincipalName: local + "@" + g.domain,
		DisplayName:       first + " " + last,
		FirstName:         first,
		LastName:          last,
		EmployeeID:        fmt.Sprintf("E%06d", 100001+i),
		Location:          office.name,
		Department:        dept.name,
		JobTitle:          g.pick(dept.titles),
		Company:           g.company,
		CountryRegion:     office.country,
		Status:            g.statuses(),
	}
	if !g.chance(0.04) { // unlicensed accounts have no mailbox
		u.Mail = local + "@" + g.mailDomain
	}
	if !g.chance(0.15) {
		u.OfficePhone = g.phone(office.dial)
	}
	if !g.chance(0.3) {
		u.Mobile = g.phone(office.dial)
	}
	u.IsTestUser = u.Status.Has(secusers.TestUser)
	if u.IsTestUser {
		u.StartDate, u.EndDate = g.window()
	}
	u.LastPasswordChange = g.passwordChange(u.Status.Has(secusers.PasswordExpired))
	return u
}

// mailbox returns a unique mailbox name for the person: first.last, then
// first.last2, first.last3 … as directories do for namesakes. It counts
// namesakes per base name instead of remembering every name given out, so
// that a tenant of a million users costs a few thousand map entries rather
// than a million, and no probing. The names cannot collide across bases:
// the name lists have no digits, so a base never ends in one.
func (g *generator) mailbox(first, last string) string {
	base := localPart(first) + "." + localPart(last)
	g.namesakes[base]++
	if k := g.namesakes[base]; k > 1 {
		return base + strconv.Itoa(k)
	}
	return base
}

// guid returns a random (version 4) GUID from the generator's source, so
// that ids are as deterministic as everything else.
func (g *generator) guid() string {
	hi, lo := g.rng.Uint64(), g.rng.Uint64()
	hi = hi&^0xF000 | 0x4000 // version 4
	lo = lo&^(0xC<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xFFFF, hi&0xFFFF, lo>>48, lo&0xFFFF_FFFF_FFFF)
}

func (g *generator) phone(dial string) string {
	return fmt.Sprintf("%s %d %03d %04d", dial, 1+g.rng.IntN(99), g.rng.IntN(1000), g.rng.IntN(10000))
}

// passwordChange returns when the password was last set: within the two
// years before now, more than 90 days ago for an expired password, and
// unknown for a few users (accounts synced from elsewhere).
func (g *generator) passwordChange(expired bool) time.Time {
	if !expired && g.chance(0.02) {
		return time.Time{}
	}
	minDays := 0
	if expired {
		minDays = 91
	}
	days := minDays + g.rng.IntN(730-minDays)
	return g.now.Add(-time.Duration(days)*24*time.Hour - time.Duration(g.rng.IntN(86400))*time.Second)
}

// window returns a test user's sign-in enforcement window: started up to a
// month ago, ending one to six months after its start (Unix milliseconds).
func (g *generator) window() (start, end int64) {
	s := g.now.Add(-time.Duration(g.rng.IntN(30*24)) * time.Hour).Truncate(time.Hour)
	e := s.Add(time.Duration(30+g.rng.IntN(150)) * 24 * time.Hour)
	return s.UnixMilli(), e.UnixMilli()
}
