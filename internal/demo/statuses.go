package demo

import "secusers/internal/secusers"

// flaggedShare is the share of users with at least one finding; the rest,
// about 35%, have none and are not security users.
const flaggedShare = 0.65

// statusWeights is how common each finding is among flagged users, in
// percent of all users as seen in mid-sized tenants. The figures add up to
// less than flaggedShare, so a flagged user's first finding is drawn by
// weight and further ones by half the figure, which keeps the mix's
// proportions: MFA not registered is by far the most common, high risk and
// pending deletion are rare.
var statusWeights = [secusers.NumStatuses]float64{
	secusers.MFADisabled:     20,
	secusers.SignInBlocked:   3,
	secusers.PasswordExpired: 8,
	secusers.HighRisk:        1,
	secusers.MediumRisk:      3,
	secusers.Compliance:      5,
	secusers.Inactive:        10,
	secusers.PendingDeletion: 1,
	secusers.TestUser:        1,
}

func (g *generator) statuses() secusers.StatusSet {
	if !g.chance(flaggedShare) {
		return 0
	}
	set := secusers.StatusSetOf(g.weighted())
	for st, w := range statusWeights {
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
	for _, w := range statusWeights {
		total += w
	}
	x := g.rng.Float64() * total
	for st, w := range statusWeights {
		if x < w {
			return secusers.Status(st)
		}
		x -= w
	}
	return secusers.MFADisabled
}
