package rules

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
)

func TestRequiresMFA(t *testing.T) {
	strength := &graph.AuthenticationStrength{ID: "00000000-0000-0000-0000-000000000002", DisplayName: "Multifactor authentication"}
	for _, tc := range []struct {
		name string
		g    *graph.GrantControls
		want bool
	}{
		{"no grant controls", nil, false},
		{"no controls at all", &graph.GrantControls{Operator: "OR"}, false},
		{"OR of mfa alone", &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}}, true},
		{"OR of an authentication strength alone", &graph.GrantControls{Operator: "OR", AuthenticationStrength: strength}, true},
		{"OR of mfa and a strength", &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}, AuthenticationStrength: strength}, true},
		{"OR of mfa or a compliant device", &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa", "compliantDevice"}}, false},
		{"OR of mfa or terms of use", &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}, TermsOfUse: []string{"t"}}, false},
		{"OR of mfa or a custom factor", &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}, CustomAuthenticationFactors: []string{"c"}}, false},
		{"AND of mfa and a compliant device", &graph.GrantControls{Operator: "AND", BuiltInControls: []string{"mfa", "compliantDevice"}}, true},
		{"AND of terms of use and a strength", &graph.GrantControls{Operator: "AND", TermsOfUse: []string{"t"}, AuthenticationStrength: strength}, true},
		{"AND without mfa", &graph.GrantControls{Operator: "AND", BuiltInControls: []string{"compliantDevice", "domainJoinedDevice"}}, false},
		{"block", &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"block"}}, false},
		{"operator in another case", &graph.GrantControls{Operator: "and", BuiltInControls: []string{"MFA"}}, true},
		{"an unknown operator", &graph.GrantControls{Operator: "XOR", BuiltInControls: []string{"mfa"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RequiresMFA(tc.g); got != tc.want {
				t.Errorf("RequiresMFA(%+v): got %v, want %v", tc.g, got, tc.want)
			}
		})
	}
}

// policy returns an enabled policy for all applications that requires
// MFA of everyone, changed by edit.
func policy(id string, edit func(*graph.ConditionalAccessPolicy)) graph.ConditionalAccessPolicy {
	p := graph.ConditionalAccessPolicy{
		ID: id, DisplayName: "policy " + id, State: graph.PolicyEnabled,
		Conditions: graph.ConditionalAccessConditions{
			Users:          graph.ConditionalAccessUsers{IncludeUsers: []string{"All"}},
			Applications:   graph.ConditionalAccessApplications{IncludeApplications: []string{"All"}},
			ClientAppTypes: []string{"all"},
		},
		GrantControls: &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}},
	}
	if edit != nil {
		edit(&p)
	}
	return p
}

func TestMFAPolicies(t *testing.T) {
	for _, tc := range []struct {
		name       string
		edit       func(*graph.ConditionalAccessPolicy)
		want       bool
		wantLimits []string
	}{
		{"enabled, all applications, mfa", nil, true, nil},
		{"report-only", func(p *graph.ConditionalAccessPolicy) { p.State = graph.PolicyReportOnly }, false, nil},
		{"disabled", func(p *graph.ConditionalAccessPolicy) { p.State = graph.PolicyDisabled }, false, nil},
		{"an unknown state", func(p *graph.ConditionalAccessPolicy) { p.State = "unknownFutureValue" }, false, nil},
		{"Office365", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Applications.IncludeApplications = []string{"Office365"}
		}, true, nil},
		{"one application", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Applications.IncludeApplications = []string{"00000003-0000-0ff1-ce00-000000000000"}
		}, false, nil},
		{"no application", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Applications.IncludeApplications = []string{"None"}
		}, false, nil},
		{"a compliant device instead", func(p *graph.ConditionalAccessPolicy) {
			p.GrantControls.BuiltInControls = append(p.GrantControls.BuiltInControls, "compliantDevice")
		}, false, nil},
		{"all locations but trusted ones", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Locations = &graph.ConditionalAccessLocations{IncludeLocations: []string{"All"}, ExcludeLocations: []string{"AllTrusted"}}
		}, true, []string{"some locations"}},
		{"all locations", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Locations = &graph.ConditionalAccessLocations{IncludeLocations: []string{"All"}}
		}, true, nil},
		{"some platforms", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Platforms = &graph.ConditionalAccessPlatforms{IncludePlatforms: []string{"android", "iOS"}}
		}, true, []string{"some device platforms"}},
		{"some client apps", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.ClientAppTypes = []string{"browser", "mobileAppsAndDesktopClients"}
		}, true, []string{"some client apps"}},
		{"risk levels and excluded applications", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.UserRiskLevels = []string{"high"}
			p.Conditions.SignInRiskLevels = []string{"medium", "high"}
			p.Conditions.Applications.ExcludeApplications = []string{"app"}
		}, true, []string{"some user risk levels", "some sign-in risk levels", "not every application"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MFAPolicies([]graph.ConditionalAccessPolicy{policy("p", tc.edit)})
			if (len(got) == 1) != tc.want {
				t.Fatalf("MFAPolicies: got %d policies, want an MFA policy: %v", len(got), tc.want)
			}
			if tc.want {
				if diff := gocmp.Diff(tc.wantLimits, got[0].Limits); diff != "" {
					t.Errorf("limits (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCover(t *testing.T) {
	const (
		ann, bob, guest = "ann", "bob", "guest"
		admins, nested  = "g-admins", "g-nested"
		globalAdmin     = "62e90394-69f5-4237-9190-012177145e10"
	)
	// Ann is in admins through the nested group and holds the role; Bob is
	// in no group and holds no role; guest is a guest.
	base := Enforcement{
		Members: map[string]map[string]bool{admins: {ann: true}, nested: {ann: true}},
		Roles:   map[string]map[string]bool{ann: {globalAdmin: true}},
	}
	users := func(edit func(*graph.ConditionalAccessUsers)) func(*graph.ConditionalAccessPolicy) {
		return func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Users = graph.ConditionalAccessUsers{}
			edit(&p.Conditions.Users)
		}
	}
	guests := &graph.GuestsOrExternalUsers{GuestOrExternalUserTypes: "internalGuest,b2bCollaborationGuest"}
	for _, tc := range []struct {
		name             string
		securityDefaults bool
		policies         []graph.ConditionalAccessPolicy
		want             map[string]bool // user → covered
	}{
		{"nothing enforces MFA", false, nil, map[string]bool{ann: false, bob: false, guest: false}},
		{"security defaults cover everyone", true, nil, map[string]bool{ann: true, bob: true, guest: true}},
		{"All", false, []graph.ConditionalAccessPolicy{policy("p", nil)}, map[string]bool{ann: true, bob: true, guest: true}},
		{"None", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers = []string{"None"}
		}))}, map[string]bool{ann: false, bob: false, guest: false}},
		{"one user by id", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers = []string{bob}
		}))}, map[string]bool{ann: false, bob: true, guest: false}},
		{"All but one user: exclusion wins", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeUsers = []string{"All"}, []string{bob}
		}))}, map[string]bool{ann: true, bob: false, guest: true}},
		{"included and excluded by id: exclusion wins", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeUsers = []string{bob}, []string{bob}
		}))}, map[string]bool{ann: false, bob: false, guest: false}},
		{"a group, nested members resolved", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeGroups = []string{nested}
		}))}, map[string]bool{ann: true, bob: false, guest: false}},
		{"All but a group", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeGroups = []string{"All"}, []string{admins}
		}))}, map[string]bool{ann: false, bob: true, guest: true}},
		{"a group nobody read is in", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeGroups = []string{"g-unknown"}
		}))}, map[string]bool{ann: false, bob: false, guest: false}},
		{"a role", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeRoles = []string{globalAdmin}
		}))}, map[string]bool{ann: true, bob: false, guest: false}},
		{"All but a role", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeRoles = []string{"All"}, []string{globalAdmin}
		}))}, map[string]bool{ann: false, bob: true, guest: true}},
		{"guests by the legacy value", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers = []string{"GuestsOrExternalUsers"}
		}))}, map[string]bool{ann: false, bob: false, guest: true}},
		{"guests by kind", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeGuestsOrExternalUsers = guests
		}))}, map[string]bool{ann: false, bob: false, guest: true}},
		{"external kinds that are not guests", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeGuestsOrExternalUsers = &graph.GuestsOrExternalUsers{GuestOrExternalUserTypes: "serviceProvider,b2bDirectConnectUser"}
		}))}, map[string]bool{ann: false, bob: false, guest: false}},
		{"All but guests", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeGuestsOrExternalUsers = []string{"All"}, guests
		}))}, map[string]bool{ann: true, bob: true, guest: false}},
		{"All but guests by the legacy value", false, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeUsers = []string{"All"}, []string{"GuestsOrExternalUsers"}
		}))}, map[string]bool{ann: true, bob: true, guest: false}},
		{"a report-only policy for all covers no one", false, []graph.ConditionalAccessPolicy{policy("p", func(p *graph.ConditionalAccessPolicy) {
			p.State = graph.PolicyReportOnly
		})}, map[string]bool{ann: false, bob: false, guest: false}},
		{"security defaults cover whom a policy excludes", true, []graph.ConditionalAccessPolicy{policy("p", users(func(u *graph.ConditionalAccessUsers) {
			u.IncludeUsers, u.ExcludeUsers = []string{"All"}, []string{bob}
		}))}, map[string]bool{ann: true, bob: true, guest: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			e.SecurityDefaults, e.Policies, e.Considered = tc.securityDefaults, MFAPolicies(tc.policies), len(tc.policies)
			for user, want := range tc.want {
				c := e.Cover(Subject{ID: user, Guest: user == guest})
				if c.Covered != want {
					t.Errorf("Cover(%s): got covered %v, want %v (%+v)", user, c.Covered, want, c)
				}
				if c.SecurityDefaults != tc.securityDefaults {
					t.Errorf("Cover(%s): got securityDefaults %v, want %v", user, c.SecurityDefaults, tc.securityDefaults)
				}
			}
		})
	}
}

func TestCoverNamesEveryCoveringPolicyAndItsLimits(t *testing.T) {
	policies := []graph.ConditionalAccessPolicy{
		policy("everyone", nil),
		policy("abroad", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Locations = &graph.ConditionalAccessLocations{IncludeLocations: []string{"All"}, ExcludeLocations: []string{"AllTrusted"}}
		}),
		policy("not-ann", func(p *graph.ConditionalAccessPolicy) { p.Conditions.Users.ExcludeUsers = []string{"ann"} }),
		policy("report-only", func(p *graph.ConditionalAccessPolicy) { p.State = graph.PolicyReportOnly }),
	}
	e := Enforcement{Policies: MFAPolicies(policies), Considered: len(policies)}
	got := e.Cover(Subject{ID: "ann"})
	want := Coverage{Covered: true, CoveredBy: []PolicyRef{
		{ID: "everyone", Name: "policy everyone"},
		{ID: "abroad", Name: "policy abroad", Limits: []string{"some locations"}},
	}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("Cover (-want +got):\n%s", diff)
	}
}

func TestGroupsNamedAndNamesRoles(t *testing.T) {
	policies := MFAPolicies([]graph.ConditionalAccessPolicy{
		policy("a", func(p *graph.ConditionalAccessPolicy) {
			p.Conditions.Users.IncludeGroups, p.Conditions.Users.ExcludeGroups = []string{"g1", "g2"}, []string{"g3"}
		}),
		policy("b", func(p *graph.ConditionalAccessPolicy) { p.Conditions.Users.IncludeGroups = []string{"g2", "g4"} }),
		// A report-only policy's groups are not read: it enforces nothing.
		policy("c", func(p *graph.ConditionalAccessPolicy) {
			p.State = graph.PolicyReportOnly
			p.Conditions.Users.IncludeGroups = []string{"g5"}
			p.Conditions.Users.IncludeRoles = []string{"r"}
		}),
	})
	if diff := gocmp.Diff([]string{"g1", "g2", "g3", "g4"}, GroupsNamed(policies)); diff != "" {
		t.Errorf("GroupsNamed (-want +got):\n%s", diff)
	}
	if NamesRoles(policies) {
		t.Error("NamesRoles: got true for policies that name no role (the report-only one is not read), want false")
	}
	withRole := append(policies, MFAPolicies([]graph.ConditionalAccessPolicy{policy("d", func(p *graph.ConditionalAccessPolicy) {
		p.Conditions.Users.ExcludeRoles = []string{"r"}
	})})...)
	if !NamesRoles(withRole) {
		t.Error("NamesRoles: got false for a policy that excludes a role, want true")
	}
}

func TestMethodStrength(t *testing.T) {
	for _, tc := range []struct {
		methods []string
		want    Strength
	}{
		{nil, NoMethod},
		{[]string{"someMethodGraphAddsLater"}, NoMethod},
		{[]string{"email"}, Weak},
		{[]string{"mobilePhone", "alternateMobilePhone", "officePhone"}, Weak},
		{[]string{"mobilePhone", "softwareOneTimePasscode"}, Standard},
		{[]string{"microsoftAuthenticatorPush"}, Standard},
		{[]string{"hardwareOneTimePasscode", "microsoftAuthenticatorPasswordless"}, Standard},
		{[]string{"email", "microsoftAuthenticatorPush", "fido2"}, PhishingResistant},
		{[]string{"passKeyDeviceBound"}, PhishingResistant},
		{[]string{"passKeySynced"}, PhishingResistant},
		{[]string{"windowsHelloForBusiness"}, PhishingResistant},
		{[]string{"x509CertificateMultiFactor", "someMethodGraphAddsLater"}, PhishingResistant},
		{[]string{"x509CertificateSingleFactor"}, NoMethod},
	} {
		if got := MethodStrength(tc.methods); got != tc.want {
			t.Errorf("MethodStrength(%q): got %q, want %q", tc.methods, got, tc.want)
		}
	}
}
