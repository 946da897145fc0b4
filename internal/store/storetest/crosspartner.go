package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// A partner's groups and apps may name only its own customers and groups.
// Naming another partner's is refused exactly as naming a missing one
// (NotFound naming the id), so that a partner cannot probe for other
// partners' ids, and nothing is written.
var crossPartnerTests = []test{
	{"GroupOfOthersCustomer", func(t *testing.T, s secusers.Store) {
		mine, theirs := createPartner(t, s), createPartner(t, s)
		own := createCustomer(t, s, mine.ID)
		foreign := createCustomer(t, s, theirs.ID)
		for _, members := range [][]string{{foreign.ID}, {own.ID, foreign.ID}} {
			g := secusers.CustomerGroup{ID: newID(), PartnerID: mine.ID, Name: "Mixed", CustomerIDs: members}
			_, err := s.CreateGroup(ctx(t), g)
			wantNamed(t, "CreateGroup with another partner's customer", err, foreign.ID)
		}
		for _, p := range []string{mine.ID, theirs.ID} {
			groups, err := s.Groups(ctx(t), p)
			must(t, "Groups", err)
			if len(groups) != 0 {
				t.Errorf("Groups after refused creates: got %d, want 0", len(groups))
			}
		}
		for _, c := range []string{own.ID, foreign.ID} {
			ids, err := s.GroupIDsOfCustomer(ctx(t), c)
			must(t, "GroupIDsOfCustomer", err)
			if len(ids) != 0 {
				t.Errorf("GroupIDsOfCustomer after refused creates: got %v, want none", ids)
			}
		}
	}},
	{"AppOfOthersCustomerOrGroup", func(t *testing.T, s secusers.Store) {
		mine, theirs := createPartner(t, s), createPartner(t, s)
		own := createCustomer(t, s, mine.ID)
		foreign := createCustomer(t, s, theirs.ID)
		foreignGroup := createGroup(t, s, theirs.ID, foreign.ID)
		ownGroup := createGroup(t, s, mine.ID, own.ID)
		for _, tc := range []struct {
			scope secusers.CustomerScope
			named string
		}{
			{secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{foreign.ID}}, foreign.ID},
			{secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{own.ID, foreign.ID}}, foreign.ID},
			{secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{foreignGroup.ID}}, foreignGroup.ID},
			{secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{ownGroup.ID, foreignGroup.ID}}, foreignGroup.ID},
			// A group id is not a customer id, nor the other way round.
			{secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{ownGroup.ID}}, ownGroup.ID},
			{secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{own.ID}}, own.ID},
		} {
			a := newApp(mine.ID, tc.scope)
			_, err := s.CreateApp(ctx(t), a)
			wantNamed(t, "CreateApp scoped to "+string(tc.scope.Kind)+" "+tc.named, err, tc.named)
			_, err = s.App(ctx(t), a.ClientID)
			wantKind(t, "App after a refused create", err, secusers.NotFound)
		}
		for _, p := range []string{mine.ID, theirs.ID} {
			apps, err := s.Apps(ctx(t), p)
			must(t, "Apps", err)
			if len(apps) != 0 {
				t.Errorf("Apps after refused creates: got %d, want 0", len(apps))
			}
		}
	}},
	{"SetAppScopeToOthers", func(t *testing.T, s secusers.Store) {
		mine, theirs := createPartner(t, s), createPartner(t, s)
		own := createCustomer(t, s, mine.ID)
		foreign := createCustomer(t, s, theirs.ID)
		foreignGroup := createGroup(t, s, theirs.ID, foreign.ID)
		ownGroup := createGroup(t, s, mine.ID, own.ID)
		a, err := s.CreateApp(ctx(t), newApp(mine.ID, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{own.ID}}))
		must(t, "CreateApp", err)
		theirApp, err := s.CreateApp(ctx(t), newApp(theirs.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		for _, tc := range []struct {
			app   secusers.App
			scope secusers.CustomerScope
			named string
		}{
			{a, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{foreign.ID}}, foreign.ID},
			{a, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{own.ID, foreign.ID}}, foreign.ID},
			{a, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{foreignGroup.ID}}, foreignGroup.ID},
			{a, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{ownGroup.ID, foreignGroup.ID}}, foreignGroup.ID},
			{a, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{ownGroup.ID}}, ownGroup.ID},
			{a, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{own.ID}}, own.ID},
			// The other way round: their app may not take my customers.
			{theirApp, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{own.ID}}, own.ID},
			{theirApp, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{ownGroup.ID}}, ownGroup.ID},
		} {
			err := s.SetAppScope(ctx(t), tc.app.ClientID, tc.scope)
			wantNamed(t, "SetAppScope to "+string(tc.scope.Kind)+" "+tc.named, err, tc.named)
			got, err := s.App(ctx(t), tc.app.ClientID)
			must(t, "App", err)
			if diff := cmp.Diff(tc.app, got, cmpEmpty); diff != "" {
				t.Errorf("App after a refused SetAppScope: changed (-want +got):\n%s", diff)
			}
		}
	}},
	{"ListsStayWithTheirPartner", func(t *testing.T, s secusers.Store) {
		mine, theirs := createPartner(t, s), createPartner(t, s)
		for _, p := range []string{mine.ID, theirs.ID} {
			c := createCustomer(t, s, p)
			createGroup(t, s, p, c.ID)
			createTenant(t, s, c.ID)
			_, err := s.CreateApp(ctx(t), newApp(p, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
			must(t, "CreateApp", err)
		}
		for _, p := range []string{mine.ID, theirs.ID} {
			customers, err := s.Customers(ctx(t), p)
			must(t, "Customers", err)
			groups, err := s.Groups(ctx(t), p)
			must(t, "Groups", err)
			apps, err := s.Apps(ctx(t), p)
			must(t, "Apps", err)
			if len(customers) != 1 || customers[0].PartnerID != p {
				t.Errorf("Customers(%s): got %+v, want the partner's one customer", p, customers)
				continue
			}
			if len(groups) != 1 || groups[0].PartnerID != p {
				t.Errorf("Groups(%s): got %+v, want the partner's one group", p, groups)
			}
			if len(apps) != 1 || apps[0].PartnerID != p {
				t.Errorf("Apps(%s): got %+v, want the partner's one app", p, apps)
			}
			tenants, err := s.Tenants(ctx(t), customers[0].ID)
			must(t, "Tenants", err)
			if len(tenants) != 1 || tenants[0].CustomerID != customers[0].ID {
				t.Errorf("Tenants(%s): got %+v, want the customer's one tenant", customers[0].ID, tenants)
			}
		}
	}},
}
