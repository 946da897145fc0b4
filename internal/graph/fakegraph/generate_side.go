package fakegraph

import (
	"strconv"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// The side reads refer to users by index arithmetic rather than by lists,
// so that item j of each is found in constant time and memory.
const (
	// unregisteredEvery: user i with i%unregisteredEvery == unregisteredEvery-1
	// is missing from the registration report (Graph's report lags new users).
	unregisteredEvery = 50
	// riskStride: one risky user in each block of riskStride users.
	riskStride = 10
	// deletedRiskEvery: every deletedRiskEvery-th deleted user keeps a risk
	// record with isDeleted true.
	deletedRiskEvery = 5
	// deviceBlock users share devicesPerBlock devices, 0 to 3 each.
	deviceBlock     = 4
	devicesPerBlock = 0 + 1 + 2 + 3
	// userlessEvery: one device without a primary user per userlessEvery users.
	userlessEvery = 50
)

var (
	riskLevels   = [...]string{"low", "medium", "high", "hidden", "none"}
	riskWeights  = []int{30, 25, 15, 5, 25}
	riskStates   = [...]string{"none", "confirmedSafe", "remediated", "dismissed", "atRisk", "confirmedCompromised"}
	stateWeights = []int{5, 7, 20, 15, 45, 8}
	// riskDetails says why a state was reached, as Identity Protection does.
	riskDetails = map[string]string{
		"none":                 "none",
		"confirmedSafe":        "adminConfirmedSigninSafe",
		"remediated":           "userPerformedSecuredPasswordChange",
		"dismissed":            "adminDismissedAllRiskForUser",
		"atRisk":               "none",
		"confirmedCompromised": "adminConfirmedUserCompromised",
	}
	complianceStates  = []string{"unknown", "compliant", "noncompliant", "conflict", "error", "inGracePeriod", "configManager"}
	complianceWeights = []int{5, 70, 12, 3, 3, 5, 2}
	mfaMethods        = [][]string{
		{"microsoftAuthenticatorPush", "softwareOneTimePasscode"},
		{"mobilePhone"},
		{"microsoftAuthenticatorPush", "mobilePhone", "softwareOneTimePasscode"},
		{"fido2", "microsoftAuthenticatorPasswordless"},
		{"windowsHelloForBusiness"},
	}
	// Registered for self-service password reset only, or for nothing:
	// neither is MFA.
	noMFAMethods = [][]string{{}, {"email"}}
)

func (g *generator) registrationCount() int { return g.n - g.n/unregisteredEvery }

// registration is row j of read 3; it skips the users the report misses.
func (g *generator) registration(j int) Registration {
	i := j + j/(unregisteredEvery-1)
	u := g.user(i)
	r := newRNG(g.seed, kindRegistration, j)
	// Drawn in this order, so that a seed generates the tenant it always has.
	registered := pickCase(&r, j, []int{75, 25}) == 0
	admin := r.chance(2)
	reg := Registration{
		RegistrationDetail: graph.RegistrationDetail{ID: u.ID, IsMfaRegistered: registered, IsAdmin: admin},
		UserPrincipalName:  *u.UserPrincipalName,
		UserDisplayName:    *u.DisplayName,
		UserType:           "member",
		LastUpdated:        g.now.Add(-r.duration(time.Hour, days(3))).Add(time.Duration(r.intn(1e7)) * 100),
	}
	if reg.IsMfaRegistered {
		reg.MethodsRegistered = pick(&r, mfaMethods)
	} else {
		reg.MethodsRegistered = pick(&r, noMFAMethods)
	}
	return reg
}

func (g *generator) activeRiskyCount() int { return g.n / riskStride }

func (g *generator) riskyCount() int {
	return g.activeRiskyCount() + (g.deletedCount()+deletedRiskEvery-1)/deletedRiskEvery
}

// risky is row j of read 4: first one user in each block of riskStride
// users, then the risk records of deleted users.
func (g *generator) risky(j int) RiskyUser {
	r := newRNG(g.seed, kindRisky, j)
	var level, state string
	if j < len(riskLevels)*len(riskStates) { // every pair in a small tenant
		level, state = riskLevels[j%len(riskLevels)], riskStates[j/len(riskLevels)]
	} else {
		level, state = riskLevels[r.weighted(riskWeights)], riskStates[r.weighted(stateWeights)]
	}
	var u graph.User
	deleted := j >= g.activeRiskyCount()
	if deleted {
		u = g.deleted((j - g.activeRiskyCount()) * deletedRiskEvery)
	} else {
		block := newRNG(g.seed, kindRiskyBlock, j)
		u = g.user(j*riskStride + block.intn(riskStride))
	}
	return RiskyUser{
		RiskyUser:         graph.RiskyUser{ID: u.ID, RiskLevel: level, RiskState: state},
		RiskDetail:        riskDetails[state],
		UserPrincipalName: *u.UserPrincipalName,
		UserDisplayName:   *u.DisplayName,
		IsDeleted:         deleted,
		RiskLastUpdated:   g.now.Add(-r.duration(time.Hour, days(200))).Add(time.Duration(r.intn(1e7)) * 100),
	}
}

// devicePerm is how many devices each user of a block has: a permutation of
// 0, 1, 2 and 3 drawn per block.
func (g *generator) devicePerm(block int) [deviceBlock]int {
	p := [deviceBlock]int{0, 1, 2, 3}
	r := newRNG(g.seed, kindDeviceBlock, block)
	for k := len(p) - 1; k > 0; k-- {
		m := r.intn(k + 1)
		p[k], p[m] = p[m], p[k]
	}
	return p
}

// userDeviceCount is the number of devices that belong to users.
func (g *generator) userDeviceCount() int {
	full := g.n / deviceBlock
	count := full * devicesPerBlock
	p := g.devicePerm(full)
	for pos := range g.n % deviceBlock {
		count += p[pos]
	}
	return count
}

func (g *generator) deviceCount() int {
	c := g.userDeviceCount()
	if g.n > 0 {
		c += g.n/userlessEvery + 1
	}
	return c
}

// device is row j of read 5: the devices of users block by block, then
// devices without a primary user.
func (g *generator) device(j int) Device {
	r := newRNG(g.seed, kindDevice, j)
	d := Device{
		ManagedDevice: graph.ManagedDevice{ID: r.guid(), ComplianceState: complianceStates[pickCase(&r, j, complianceWeights)]},
		OwnerType:     "company",
		Enrolled:      g.ago(&r, days(10), days(900)),
		LastSync:      g.ago(&r, time.Minute, days(40)),
	}
	if r.chance(20) {
		d.OwnerType = "personal"
	}
	os := r.intn(4)
	d.OperatingSystem = []string{"Windows", "iOS", "Android", "macOS"}[os]
	d.OSVersion = []string{"10.0.22631.3447", "17.4.1", "14", "14.4.1"}[os]
	tag := strings.ToUpper(strconv.FormatUint(r.next()%(1<<28), 16))
	d.DeviceName = []string{"DESKTOP-", "iPhone-", "Android-", "MacBook-"}[os] + tag
	if j >= g.userDeviceCount() {
		return d // a kiosk or shared device: Intune sends userId ""
	}
	block, k := j/devicesPerBlock, j%devicesPerBlock
	p := g.devicePerm(block)
	pos := 0
	for k >= p[pos] {
		k -= p[pos]
		pos++
	}
	u := g.user(block*deviceBlock + pos)
	d.UserID, d.UserPrincipalName, d.UserDisplayName = u.ID, *u.UserPrincipalName, *u.DisplayName
	return d
}

func (g *generator) deletedCount() int {
	d := g.n / 20
	if g.n > 0 {
		d = max(d, min(g.n, 3))
	}
	return d
}
