package graph_test

import (
	"iter"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
)

// enforcementTenant is a tenant with security defaults off, three policies
// (one of each state), a group and two role assignments, served in pages
// of two so that reads 8–10 span several.
func enforcementTenant(t *testing.T) (*fakegraph.Tenant, *fakegraph.Server, *httptest.Server) {
	t.Helper()
	tenant := fakegraph.Generate(7, 10, time.Now(), fakegraph.GenerateOptions{})
	mfa := &graph.GrantControls{Operator: "OR", BuiltInControls: []string{"mfa"}}
	tenant.Policies = fakegraph.Items(
		graph.ConditionalAccessPolicy{ID: "p1", DisplayName: "MFA for admins", State: graph.PolicyEnabled, GrantControls: mfa,
			Conditions: graph.ConditionalAccessConditions{
				Users:          graph.ConditionalAccessUsers{IncludeGroups: []string{"g1"}, ExcludeUsers: []string{"u9"}},
				Applications:   graph.ConditionalAccessApplications{IncludeApplications: []string{"All"}},
				ClientAppTypes: []string{"all"},
				Locations:      &graph.ConditionalAccessLocations{IncludeLocations: []string{"All"}, ExcludeLocations: []string{"AllTrusted"}},
			}},
		graph.ConditionalAccessPolicy{ID: "p2", DisplayName: "Report only", State: graph.PolicyReportOnly, GrantControls: mfa,
			Conditions: graph.ConditionalAccessConditions{Users: graph.ConditionalAccessUsers{IncludeUsers: []string{"All"}},
				Applications: graph.ConditionalAccessApplications{IncludeApplications: []string{"All"}}}},
		graph.ConditionalAccessPolicy{ID: "p3", DisplayName: "Guests", State: graph.PolicyDisabled,
			GrantControls: &graph.GrantControls{Operator: "AND", AuthenticationStrength: &graph.AuthenticationStrength{ID: "s", DisplayName: "Phishing-resistant MFA"}},
			Conditions: graph.ConditionalAccessConditions{
				Users:        graph.ConditionalAccessUsers{IncludeGuestsOrExternalUsers: &graph.GuestsOrExternalUsers{GuestOrExternalUserTypes: "b2bCollaborationGuest"}},
				Applications: graph.ConditionalAccessApplications{IncludeApplications: []string{"Office365"}}}},
	)
	tenant.Groups = map[string]fakegraph.Collection[string]{"g1": fakegraph.Items("u1", "u2", "u3", "u4", "u5")}
	tenant.RoleAssignments = fakegraph.Items(
		graph.RoleAssignment{PrincipalID: "u1", RoleDefinitionID: "62e90394-69f5-4237-9190-012177145e10"},
		graph.RoleAssignment{PrincipalID: "u2", RoleDefinitionID: "194ae4cb-b126-40b2-bd5b-6091b380977d"},
		graph.RoleAssignment{PrincipalID: "u3", RoleDefinitionID: "62e90394-69f5-4237-9190-012177145e10"},
	)
	srv := fakegraph.NewServer(tenant,
		fakegraph.WithPageSize(fakegraph.ReadPolicies, 2),
		fakegraph.WithPageSize(fakegraph.ReadGroupMembers, 2),
		fakegraph.WithPageSize(fakegraph.ReadRoleAssignments, 2))
	srv.RegisterSecret(fakeClientID, fakeSecret)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return tenant, srv, hs
}

// TestReadEnforcement reads 7–10 from the fake: what it serves, across
// pages, decoded whole.
func TestReadEnforcement(t *testing.T) {
	t.Parallel()
	tenant, srv, hs := enforcementTenant(t)
	c := fakeClient(t, tenant, hs, graph.Credentials{ClientSecret: fakeSecret}, &waits{})
	ctx := t.Context()
	for _, on := range []bool{false, true} {
		tenant.SecurityDefaults = on
		srv.SetTenant(tenant)
		got, err := c.SecurityDefaults(ctx)
		if err != nil || got.IsEnabled != on {
			t.Errorf("SecurityDefaults: got %+v, %v; want isEnabled %v", got, err, on)
		}
	}
	policies, err := readAll(c.ConditionalAccessPolicies(ctx))
	if err != nil {
		t.Fatal(err)
	}
	// The fake writes an empty list as Graph does, [], where the tenant
	// built here has nil.
	if diff := cmp.Diff(slices.Collect(tenant.Policies.Values()), policies, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ConditionalAccessPolicies (-tenant +read):\n%s", diff)
	}
	members, err := readAll(c.GroupUsers(ctx, "g1"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	if diff := cmp.Diff(slices.Collect(tenant.Groups["g1"].Values()), ids); diff != "" {
		t.Errorf("GroupUsers (-tenant +read):\n%s", diff)
	}
	same(t, "roleAssignments", c.RoleAssignments(ctx), tenant.RoleAssignments.Values(), func(a graph.RoleAssignment) graph.RoleAssignment { return a })
}

func TestReadEnforcementErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault fakegraph.Endpoint
		read  func(*graph.Client) error
		want  func(error) bool
	}{
		{"a group that does not exist", "", func(c *graph.Client) error {
			_, err := readAll(c.GroupUsers(t.Context(), "no-such-group"))
			return err
		}, func(err error) bool { return err != nil && !graph.IsUnlicensed(err) }},
		{"policies without Entra ID P1", fakegraph.ReadPolicies, func(c *graph.Client) error {
			_, err := readAll(c.ConditionalAccessPolicies(t.Context()))
			return err
		}, graph.IsUnlicensed},
		{"security defaults without Policy.Read.All", fakegraph.ReadSecurityDefaults, func(c *graph.Client) error {
			_, err := c.SecurityDefaults(t.Context())
			return err
		}, graph.IsUnlicensed},
		{"role assignments without RoleManagement.Read.Directory", fakegraph.ReadRoleAssignments, func(c *graph.Client) error {
			_, err := readAll(c.RoleAssignments(t.Context()))
			return err
		}, graph.IsUnlicensed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tenant, srv, hs := enforcementTenant(t)
			if tc.fault != "" {
				srv.SetFault(tc.fault, fakegraph.Unlicensed(tc.fault))
			}
			err := tc.read(fakeClient(t, tenant, hs, graph.Credentials{ClientSecret: fakeSecret}, &waits{}))
			if !tc.want(err) {
				t.Errorf("got error %v", err)
			}
			if tc.fault != "" && !slices.Contains(fakegraph.EnforcementReads, tc.fault) {
				t.Errorf("%s is not among EnforcementReads", tc.fault)
			}
		})
	}
}

// readAll collects a read's items, or its error.
func readAll[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// TestReadGeneratedEnforcement reads a generated tenant's reads 7–10 over
// the wire, in pages.
func TestReadGeneratedEnforcement(t *testing.T) {
	t.Parallel()
	tenant := fakegraph.Generate(9, 1200, time.Now(), fakegraph.GenerateOptions{Enforcement: fakegraph.EnforcementOptions{ConditionalAccess: true}})
	srv := fakegraph.NewServer(tenant,
		fakegraph.WithPageSize(fakegraph.ReadPolicies, 3),
		fakegraph.WithPageSize(fakegraph.ReadGroupMembers, 40),
		fakegraph.WithPageSize(fakegraph.ReadRoleAssignments, 2))
	srv.RegisterSecret(fakeClientID, fakeSecret)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := fakeClient(t, tenant, hs, graph.Credentials{ClientSecret: fakeSecret}, &waits{})
	ctx := t.Context()
	policies, err := readAll(c.ConditionalAccessPolicies(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Collect(tenant.Policies.Values()), policies, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ConditionalAccessPolicies (-tenant +read):\n%s", diff)
	}
	for _, group := range []string{fakegraph.GroupFinance, fakegraph.GroupFinanceEMEA, fakegraph.GroupSales, fakegraph.GroupBreakGlass} {
		same(t, "group "+group, c.GroupUsers(ctx, group), tenant.Groups[group].Values(), func(id string) graph.DirectoryObject {
			return graph.DirectoryObject{ID: id}
		})
	}
	same(t, "roleAssignments", c.RoleAssignments(ctx), tenant.RoleAssignments.Values(), func(a graph.RoleAssignment) graph.RoleAssignment { return a })
}
