package fakegraph

import (
	"strings"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// DefaultInactiveDays is sync.md's default inactivity threshold, the one
// Generate places sign-ins around unless told otherwise.
const DefaultInactiveDays = 90

// GenerateOptions tunes Generate; the zero value is the usual tenant.
type GenerateOptions struct {
	// TenantID is the Entra tenant GUID; empty derives one from the seed.
	TenantID string
	// InactiveDays is the inactivity threshold that old and recent
	// sign-ins straddle (default DefaultInactiveDays; at least 2).
	InactiveDays int
	// Enforcement generates reads 7–10; the zero value enforces nothing.
	Enforcement EnforcementOptions
}

// Generate returns a realistic tenant of n users, the same for the same
// seed, n, now and options. Every case the rules of sync.md distinguish is
// present once n >= MinCoverage: domains whose passwords expire, never
// expire (2147483647) or have no value (null); passwords changed recently
// or long ago, with DisablePasswordExpiration (alone and with
// DisableStrongPassword), DisableStrongPassword alone, and synced from
// on-premises (true and false); disabled accounts; sign-ins old and recent,
// interactive and not, never (null dates, a null signInActivity, and
// Graph's "0001-01-01T00:00:00Z" for a kind never used); users missing from
// the registration report, registered for MFA and not; risky users in every
// riskLevel × riskState, and risk records of deleted users; zero to three
// devices a user, devices without a user, every complianceState; deleted
// users well inside, just inside and outside 30 days; null fields and zero
// to three businessPhones.
//
// Relative facts are placed at least half a day from every threshold
// (validity days, InactiveDays, 30 days), so a sync whose now is within a
// few hours of now sees the same statuses. The tenant keeps no per-user
// state: items are computed from (seed, index) when asked for.
func Generate(seed int64, n int, now time.Time, opts GenerateOptions) *Tenant {
	g := newGenerator(seed, max(n, 0), now, opts)
	t := &Tenant{
		EntraTenantID: g.tenantID,
		GeneratedAt:   g.now,
		Domains:       Items(g.domains...),
		Users:         Collection[graph.User]{Len: g.n, At: g.user},
		Registrations: Collection[Registration]{Len: g.registrationCount(), At: g.registration},
		RiskyUsers:    Collection[RiskyUser]{Len: g.riskyCount(), At: g.risky},
		Devices:       Collection[Device]{Len: g.deviceCount(), At: g.device},
		Deleted:       Collection[graph.User]{Len: g.deletedCount(), At: g.deleted},
	}
	g.enforce(t, opts.Enforcement)
	return t
}

// MinCoverage is the smallest n for which Generate's tenant holds every
// case: the 30 riskLevel × riskState pairs need 30 risky users, one per
// block of riskStride users.
const MinCoverage = riskStride * len(riskLevels) * len(riskStates)

// generator computes a tenant's items from the seed; it is immutable, so
// the collections that call it are safe for concurrent use.
type generator struct {
	seed         int64
	n            int
	now          time.Time
	inactiveDays int
	tenantID     string
	org          string
	companies    []string
	domains      []graph.Domain
	// byKind lists the indexes of domains by how their passwords expire.
	byKind [domainKinds][]int
}

// domainKind is how a domain's passwords expire.
type domainKind int

const (
	domainExpiring domainKind = iota // a validity period in days
	domainNever                      // 2147483647
	domainNull                       // passwordValidityPeriodInDays is null
	domainKinds
)

var orgNames = []string{"contoso", "fabrikam", "northwind", "adventureworks", "tailspin", "wingtip", "litware", "proseware"}

func newGenerator(seed int64, n int, now time.Time, opts GenerateOptions) *generator {
	r := newRNG(seed, kindTenant, 0)
	g := &generator{seed: seed, n: n, now: now.UTC().Truncate(time.Second), inactiveDays: opts.InactiveDays, tenantID: opts.TenantID}
	if g.inactiveDays <= 0 {
		g.inactiveDays = DefaultInactiveDays
	}
	g.inactiveDays = max(g.inactiveDays, 2) // room for a day's margin each side
	if id := r.guid(); g.tenantID == "" {
		g.tenantID = id
	}
	g.org = pick(&r, orgNames)
	for _, suffix := range companySuffixes {
		g.companies = append(g.companies, strings.ToUpper(g.org[:1])+g.org[1:]+suffix)
	}
	suffix := g.tenantID[:4]
	days := func(d int64) *int64 { return &d }
	// The initial domain is first: Entra creates it with the tenant.
	g.addDomain(g.org+suffix+".onmicrosoft.com", days(90), domainExpiring)
	g.addDomain(g.org+".com", days(180), domainExpiring)
	g.addDomain("eu."+g.org+".com", nil, domainNull)
	g.addDomain(g.org+"-legacy.net", days(graph.NeverExpires), domainNever)
	g.addDomain(g.org+"-labs.io", days(60), domainExpiring)
	return g
}

func (g *generator) addDomain(name string, validity *int64, kind domainKind) {
	g.byKind[kind] = append(g.byKind[kind], len(g.domains))
	g.domains = append(g.domains, graph.Domain{ID: name, PasswordValidityPeriodInDays: validity})
}

// days is a duration of d days.
func days(d int) time.Duration { return time.Duration(d) * 24 * time.Hour }

// ago is now minus a random duration in [lo, hi].
func (g *generator) ago(r *rng, lo, hi time.Duration) time.Time {
	return g.now.Add(-r.duration(lo, hi))
}

// pickCase returns the coverage case for the first items of a collection, so
// that small tenants hold every case, and a weighted random one after.
func pickCase(r *rng, i int, weights []int) int {
	if i < len(weights) {
		return i
	}
	return r.weighted(weights)
}
