package storetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

var appTests = []test{
	{"CreateGetList", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c1, c2 := createCustomer(t, s, p.ID), createCustomer(t, s, p.ID)
		g := createGroup(t, s, p.ID, c1.ID)
		id := func(a secusers.App) string { return a.ClientID }
		var created []secusers.App
		for _, in := range []secusers.App{
			newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}),
			newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{c2.ID, c1.ID}}),
			newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{g.ID}}),
			{
				ClientID: newID(), PartnerID: p.ID, Name: "Both permissions",
				Permissions: []string{secusers.PermissionReadCustomers, secusers.PermissionReadUsers},
				Scope:       secusers.CustomerScope{Kind: secusers.ScopeAllCustomers},
			},
		} {
			got, err := s.CreateApp(ctx(t), in)
			must(t, "CreateApp", err)
			checkCreated(t, got.CreatedAt)
			in.CreatedAt = got.CreatedAt
			if diff := cmp.Diff(in, got, cmpEmpty); diff != "" {
				t.Errorf("CreateApp returned (-want +got):\n%s", diff)
			}
			read, err := s.App(ctx(t), in.ClientID)
			must(t, "App", err)
			if diff := cmp.Diff(got, read, cmpEmpty); diff != "" {
				t.Errorf("App (-want +got):\n%s", diff)
			}
			created = append(created, got)
		}
		list, err := s.Apps(ctx(t), p.ID)
		must(t, "Apps", err)
		if diff := cmp.Diff(byID(created, id), byID(list, id), cmpEmpty); diff != "" {
			t.Errorf("Apps (-want +got):\n%s", diff)
		}
		list, err = s.Apps(ctx(t), createPartner(t, s).ID)
		must(t, "Apps of a partner without any", err)
		if len(list) != 0 {
			t.Errorf("Apps of a partner without any: got %d, want 0", len(list))
		}
	}},
	{"Disable", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		a, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		other, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		if a.Disabled {
			t.Fatalf("a new app: got disabled, want enabled")
		}
		for range 2 { // disabling twice is fine
			must(t, "DisableApp", s.DisableApp(ctx(t), a.ClientID))
		}
		got, err := s.App(ctx(t), a.ClientID)
		must(t, "App", err)
		if !got.Disabled {
			t.Errorf("after DisableApp: got enabled, want disabled")
		}
		got, err = s.App(ctx(t), other.ClientID)
		must(t, "App", err)
		if got.Disabled {
			t.Errorf("another app after DisableApp: got disabled, want enabled")
		}
		wantKind(t, "DisableApp of an unknown app", s.DisableApp(ctx(t), newID()), secusers.NotFound)
	}},
	{"Errors", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c := createCustomer(t, s, p.ID)
		a, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		again := newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers})
		again.ClientID = a.ClientID
		_, err = s.CreateApp(ctx(t), again)
		wantKind(t, "CreateApp with a used client id", err, secusers.Conflict)

		missing := newID()
		_, err = s.CreateApp(ctx(t), newApp(missing, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		wantNamed(t, "CreateApp of an unknown partner", err, missing)
		refused := []secusers.App{
			newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{c.ID, missing}}),
			newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{missing}}),
		}
		for _, in := range refused {
			_, err = s.CreateApp(ctx(t), in)
			wantNamed(t, "CreateApp scoped to an unknown "+string(in.Scope.Kind), err, missing)
			_, err = s.App(ctx(t), in.ClientID)
			wantKind(t, "App after a refused create", err, secusers.NotFound)
		}
		unknownPermission := newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers})
		unknownPermission.Permissions = []string{"partner.everything"}
		_, err = s.CreateApp(ctx(t), unknownPermission)
		wantKind(t, "CreateApp with an unknown permission", err, secusers.Invalid)

		_, err = s.App(ctx(t), newID())
		wantKind(t, "App of an unknown client id", err, secusers.NotFound)
		_, err = s.Apps(ctx(t), newID())
		wantKind(t, "Apps of an unknown partner", err, secusers.NotFound)
	}},
	{"SetScope", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c1, c2 := createCustomer(t, s, p.ID), createCustomer(t, s, p.ID)
		g := createGroup(t, s, p.ID, c1.ID, c2.ID)
		a, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		other, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		for _, scope := range []secusers.CustomerScope{
			{Kind: secusers.ScopeCustomers, IDs: []string{c2.ID, c1.ID}}, // in the order given
			{Kind: secusers.ScopeGroups, IDs: []string{g.ID}},
			{Kind: secusers.ScopeCustomers, IDs: []string{c1.ID}},
			{Kind: secusers.ScopeAllCustomers},
		} {
			must(t, "SetAppScope", s.SetAppScope(ctx(t), a.ClientID, scope))
			want := a
			want.Scope = scope
			got, err := s.App(ctx(t), a.ClientID)
			must(t, "App", err)
			if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
				t.Errorf("App after SetAppScope %v (-want +got):\n%s", scope, diff)
			}
		}
		got, err := s.App(ctx(t), other.ClientID)
		must(t, "App", err)
		if diff := cmp.Diff(other, got, cmpEmpty); diff != "" {
			t.Errorf("another app after SetAppScope (-want +got):\n%s", diff)
		}
		// A disabled app may be re-scoped, and stays disabled.
		must(t, "DisableApp", s.DisableApp(ctx(t), a.ClientID))
		must(t, "SetAppScope of a disabled app", s.SetAppScope(ctx(t), a.ClientID, secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{g.ID}}))
		if got, err := s.App(ctx(t), a.ClientID); err != nil || !got.Disabled {
			t.Errorf("App after re-scoping a disabled app: got disabled %v, error %v; want disabled, nil", got.Disabled, err)
		}
	}},
	{"SetScopeErrors", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c := createCustomer(t, s, p.ID)
		g := createGroup(t, s, p.ID, c.ID)
		in := newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{c.ID}})
		a, err := s.CreateApp(ctx(t), in)
		must(t, "CreateApp", err)
		missing := newID()
		wantNamed(t, "SetAppScope of an unknown app",
			s.SetAppScope(ctx(t), missing, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}), missing)
		for _, tc := range []struct {
			scope secusers.CustomerScope
			kind  secusers.Kind
		}{
			{secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{c.ID, missing}}, secusers.NotFound},
			{secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{g.ID, missing}}, secusers.NotFound},
			{secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{c.ID, c.ID}}, secusers.Invalid},
			{secusers.CustomerScope{Kind: secusers.ScopeCustomers}, secusers.Invalid},
			{secusers.CustomerScope{Kind: secusers.ScopeAllCustomers, IDs: []string{c.ID}}, secusers.Invalid},
			{secusers.CustomerScope{Kind: "everyone"}, secusers.Invalid},
			{secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{"not-a-guid"}}, secusers.Invalid},
		} {
			err := s.SetAppScope(ctx(t), a.ClientID, tc.scope)
			if tc.kind == secusers.NotFound {
				wantNamed(t, fmt.Sprintf("SetAppScope %v", tc.scope), err, missing)
			} else {
				wantKind(t, fmt.Sprintf("SetAppScope %v", tc.scope), err, tc.kind)
			}
			got, err := s.App(ctx(t), a.ClientID)
			must(t, "App", err)
			if diff := cmp.Diff(a, got, cmpEmpty); diff != "" {
				t.Errorf("App after a refused SetAppScope %v: changed (-want +got):\n%s", tc.scope, diff)
			}
		}
	}},
}

var secretTests = []test{
	{"AddList", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		a, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		other, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		list, err := s.ClientSecrets(ctx(t), a.ClientID)
		must(t, "ClientSecrets of an app without any", err)
		if len(list) != 0 {
			t.Errorf("ClientSecrets of an app without any: got %d, want 0", len(list))
		}
		expired := newSecret(a.ClientID, "expired", time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
		fresh := newSecret(a.ClientID, "fresh", time.Date(2099, 2, 3, 4, 5, 6, 0, time.UTC))
		var want []secusers.ClientSecret
		for _, in := range []secusers.ClientSecret{expired, fresh} {
			got, err := s.AddClientSecret(ctx(t), in)
			must(t, "AddClientSecret", err)
			checkCreated(t, got.CreatedAt)
			in.CreatedAt = got.CreatedAt
			if diff := cmp.Diff(in, got); diff != "" {
				t.Errorf("AddClientSecret returned (-want +got):\n%s", diff)
			}
			want = append(want, got)
		}
		_, err = s.AddClientSecret(ctx(t), newSecret(other.ClientID, "other", time.Now().Add(time.Hour)))
		must(t, "AddClientSecret", err)
		list, err = s.ClientSecrets(ctx(t), a.ClientID)
		must(t, "ClientSecrets", err)
		id := func(c secusers.ClientSecret) string { return c.ID }
		if diff := cmp.Diff(byID(want, id), byID(list, id)); diff != "" {
			t.Errorf("ClientSecrets, expired ones included (-want +got):\n%s", diff)
		}
	}},
	{"Errors", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		a, err := s.CreateApp(ctx(t), newApp(p.ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
		must(t, "CreateApp", err)
		c, err := s.AddClientSecret(ctx(t), newSecret(a.ClientID, "one", time.Now().Add(time.Hour)))
		must(t, "AddClientSecret", err)
		again := newSecret(a.ClientID, "two", time.Now().Add(time.Hour))
		again.ID = c.ID
		_, err = s.AddClientSecret(ctx(t), again)
		wantKind(t, "AddClientSecret with a used id", err, secusers.Conflict)
		missing := newID()
		_, err = s.AddClientSecret(ctx(t), newSecret(missing, "x", time.Now().Add(time.Hour)))
		wantNamed(t, "AddClientSecret of an unknown app", err, missing)
		_, err = s.ClientSecrets(ctx(t), missing)
		wantKind(t, "ClientSecrets of an unknown app", err, secusers.NotFound)
		list, err := s.ClientSecrets(ctx(t), a.ClientID)
		must(t, "ClientSecrets", err)
		if len(list) != 1 || !bytes.Equal(list[0].Hash, c.Hash) {
			t.Errorf("ClientSecrets after refused adds: got %d secrets, want the first one only", len(list))
		}
	}},
}

// newSecret returns a secret whose hash is that of secret. Its expiry is
// kept at millisecond precision, which every store keeps.
func newSecret(clientID, secret string, expires time.Time) secusers.ClientSecret {
	hash := sha256.Sum256([]byte(secret))
	return secusers.ClientSecret{
		ID: newID(), ClientID: clientID, Hash: hash[:], Hint: secret[:1],
		ExpiresAt: expires.UTC().Truncate(time.Millisecond),
	}
}
