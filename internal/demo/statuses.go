package demo

import "github.com/secusers/secusers/internal/secusers"

// StatusMix says how common each finding is in a generated tenant.
type StatusMix struct {
	// Flagged is the share of users with at least one finding, from 0 to 1;
	// the others have none and are not security users.
	Flagged float64
	// Weights says how common each finding is, in percent of all users as
	// DefaultMix has it. A flagged user's first finding is drawn by weight
	// and each further one is added with half its weight as the chance in
	// percent, so a status s ends up on about
	// Flagged × (Weights[s]/ΣWeights + Weights[s]/200) of the users.
	Weights [secusers.NumStatuses]float64
}

// DefaultMix is the mix of Users and UserSeq: 65% of users flagged, with the
// proportions seen in mid-sized tenants. MFA not registered is by far the
// most common finding; high risk and pending deletion are rare.
var DefaultMix = StatusMix{
	Flagged: 0.65,
	Weights: [secusers.NumStatuses]float64{
		secusers.MFADisabled:     20,
		secusers.SignInBlocked:   3,
		secusers.PasswordExpired: 8,
		secusers.HighRisk:        1,
		secusers.MediumRisk:      3,
		secusers.Compliance:      5,
		secusers.Inactive:        10,
		secusers.PendingDeletion: 1,
		secusers.TestUser:        1,
	},
}

func (g *generator) statuses() secusers.StatusSet {
	if !g.chance(g.mix.Flagged) {
		return 0
	}
	set := secusers.StatusSetOf(g.weighted())
	for st, w := range g.mix.Weights {
		if st != int(secusers.TestUser) && g.chance(w/200) {
			set = set.With(secusers.Status(st))
		}
	}
	// Identity Protection rates a user at one risk level at a time.
	if set.Has(secusers.HighRisk) {
		set = set.Without(secusers.MediumRisk)
	}
	return set
}

// weighted draws one status with probability proportional to its weight.
func (g *generator) weighted() secusers.Status {
	var total float64
	for _, w := range g.mix.Weights {
		total += w
	}
	x := g.rng.Float64() * total
	for st, w := range g.mix.Weights {
		if x < w {
			return secusers.Status(st)
		}
		x -= w
	}
	return secusers.MFADisabled
}
