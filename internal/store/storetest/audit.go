package storetest

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// auditActor is who the audit tests make their changes as.
const auditActor = "alice@contoso.example"

// asActor returns the test's context naming auditActor.
func asActor(t *testing.T) context.Context { return secusers.WithActor(ctx(t), auditActor) }

// auditEvents reads the events q selects.
func auditEvents(t *testing.T, s secusers.Store, q secusers.AuditQuery) []secusers.AuditEvent {
	t.Helper()
	events, err := s.AuditEvents(ctx(t), q)
	must(t, "AuditEvents", err)
	return events
}

// lastEventID returns the id of the newest event, or 0 when there is none.
func lastEventID(t *testing.T, s secusers.Store) int64 {
	t.Helper()
	events := auditEvents(t, s, secusers.AuditQuery{Limit: 1})
	if len(events) == 0 {
		return 0
	}
	return events[0].ID
}

// eventsAfter returns the events recorded after the one with id after,
// oldest first.
func eventsAfter(t *testing.T, s secusers.Store, after int64) []secusers.AuditEvent {
	t.Helper()
	var out []secusers.AuditEvent
	for _, e := range auditEvents(t, s, secusers.AuditQuery{Limit: 1000}) {
		if e.ID > after {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out
}

// auditedChange is one administrative change and what its event must say.
type auditedChange struct {
	do      func(ctx context.Context) error
	target  string   // the event's Target; "" leaves it unchecked
	mention string   // text the Detail must contain
	secrets []string // text the Detail must not contain
}

// wantOneEvent makes the change as auditActor and fails the test unless it
// wrote exactly one event, of the action, saying what c says.
func wantOneEvent(t *testing.T, s secusers.Store, action string, c auditedChange) {
	t.Helper()
	before := lastEventID(t, s)
	start := time.Now().Truncate(time.Millisecond)
	must(t, action, c.do(asActor(t)))
	events := eventsAfter(t, s, before)
	if len(events) != 1 {
		t.Fatalf("%s: got %d audit events, want 1: %+v", action, len(events), events)
	}
	e := events[0]
	switch {
	case e.Action != action:
		t.Errorf("%s: got action %q, want %q", action, e.Action, action)
	case c.target != "" && e.Target != c.target:
		t.Errorf("%s: got target %q, want %q", action, e.Target, c.target)
	case e.Actor != auditActor:
		t.Errorf("%s: got actor %q, want %q (from the context)", action, e.Actor, auditActor)
	case e.Detail == "" || !strings.Contains(e.Detail, c.mention):
		t.Errorf("%s: got detail %q, want one mentioning %q", action, e.Detail, c.mention)
	case e.At.Before(start) || e.At.After(time.Now()) || e.At.Location() != time.UTC:
		t.Errorf("%s: got time %v, want the store's clock during the change, in UTC", action, e.At)
	}
	for _, secret := range c.secrets {
		if strings.Contains(e.Detail, secret) {
			t.Errorf("%s: got detail %q, which shows a secret %q", action, e.Detail, secret)
		}
	}
}

// auditCases are the administrative changes of Store, each with what it
// needs prepared (whose own events are not counted).
var auditCases = []struct {
	action  string
	prepare func(t *testing.T, s secusers.Store) auditedChange
}{
	{secusers.AuditPartnerCreate, func(t *testing.T, s secusers.Store) auditedChange {
		p := secusers.Partner{ID: newID(), Name: "Contoso Partner"}
		return auditedChange{target: p.ID, mention: p.Name, do: func(c context.Context) error {
			_, err := s.CreatePartner(c, p)
			return err
		}}
	}},
	{secusers.AuditCustomerCreate, func(t *testing.T, s secusers.Store) auditedChange {
		cu := secusers.Customer{ID: newID(), PartnerID: createPartner(t, s).ID, Organization: "Fabrikam"}
		return auditedChange{target: cu.ID, mention: cu.Organization, do: func(c context.Context) error {
			_, err := s.CreateCustomer(c, cu)
			return err
		}}
	}},
	{secusers.AuditGroupCreate, func(t *testing.T, s secusers.Store) auditedChange {
		p := createPartner(t, s)
		g := secusers.CustomerGroup{ID: newID(), PartnerID: p.ID, Name: "Retail", CustomerIDs: []string{createCustomer(t, s, p.ID).ID}}
		return auditedChange{target: g.ID, mention: g.Name, do: func(c context.Context) error {
			_, err := s.CreateGroup(c, g)
			return err
		}}
	}},
	{secusers.AuditTenantCreate, func(t *testing.T, s secusers.Store) auditedChange {
		p := createPartner(t, s)
		tn := secusers.Tenant{ID: newID(), CustomerID: createCustomer(t, s, p.ID).ID, Name: "fabrikam.onmicrosoft.com"}
		return auditedChange{target: tn.ID, mention: tn.Name, do: func(c context.Context) error {
			_, err := s.CreateTenant(c, tn)
			return err
		}}
	}},
	{secusers.AuditAppCreate, func(t *testing.T, s secusers.Store) auditedChange {
		a := newApp(createPartner(t, s).ID, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers})
		a.Name = "Billing Sync"
		return auditedChange{target: a.ClientID, mention: a.Name, do: func(c context.Context) error {
			_, err := s.CreateApp(c, a)
			return err
		}}
	}},
	{secusers.AuditAppDisable, func(t *testing.T, s secusers.Store) auditedChange {
		a := createApp(t, s, createPartner(t, s).ID)
		return auditedChange{target: a.ClientID, do: func(c context.Context) error {
			return s.DisableApp(c, a.ClientID)
		}}
	}},
	{secusers.AuditAppScope, func(t *testing.T, s secusers.Store) auditedChange {
		a := createApp(t, s, createPartner(t, s).ID)
		scope := secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{
			createCustomer(t, s, a.PartnerID).ID, createCustomer(t, s, a.PartnerID).ID,
		}}
		return auditedChange{target: a.ClientID, mention: string(secusers.ScopeCustomers), do: func(c context.Context) error {
			return s.SetAppScope(c, a.ClientID, scope)
		}}
	}},
	{secusers.AuditAppSecretAdd, func(t *testing.T, s secusers.Store) auditedChange {
		a := createApp(t, s, createPartner(t, s).ID)
		sec := newSecret(a.ClientID, "s3cr3t-value", time.Now().Add(time.Hour))
		return auditedChange{
			target: a.ClientID, mention: sec.ID,
			secrets: []string{hex.EncodeToString(sec.Hash), base64.StdEncoding.EncodeToString(sec.Hash),
				base64.RawURLEncoding.EncodeToString(sec.Hash), string(sec.Hash)},
			do: func(c context.Context) error {
				_, err := s.AddClientSecret(c, sec)
				return err
			},
		}
	}},
	{secusers.AuditAppSecretRemove, func(t *testing.T, s secusers.Store) auditedChange {
		a := createApp(t, s, createPartner(t, s).ID)
		sec, err := s.AddClientSecret(ctx(t), newSecret(a.ClientID, "s3cr3t-value", time.Now().Add(time.Hour)))
		must(t, "AddClientSecret", err)
		return auditedChange{
			target: a.ClientID, mention: sec.ID,
			secrets: []string{hex.EncodeToString(sec.Hash), base64.StdEncoding.EncodeToString(sec.Hash)},
			do:      func(c context.Context) error { return s.RemoveClientSecret(c, a.ClientID, sec.ID) },
		}
	}},
	{secusers.AuditAppCertAdd, func(t *testing.T, s secusers.Store) auditedChange {
		a := createApp(t, s, createPartner(t, s).ID)
		cert := newCert(a.ClientID)
		return auditedChange{target: a.ClientID, mention: cert.Thumbprint, do: func(c context.Context) error {
			_, err := s.AddClientCertificate(c, cert)
			return err
		}}
	}},
	{secusers.AuditAppCertRemove, func(t *testing.T, s secusers.Store) auditedChange {
		a := createApp(t, s, createPartner(t, s).ID)
		cert := addCert(t, s, newCert(a.ClientID))
		return auditedChange{target: a.ClientID, mention: cert.Thumbprint, do: func(c context.Context) error {
			return s.RemoveClientCertificate(c, a.ClientID, strings.ToLower(cert.Thumbprint))
		}}
	}},
	{secusers.AuditSigningKeyRotate, func(t *testing.T, s secusers.Store) auditedChange {
		_, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		k := newSigningKey()
		return auditedChange{
			target: k.ID, secrets: []string{string(k.PrivateKey), base64.StdEncoding.EncodeToString(k.PrivateKey)},
			do: func(c context.Context) error {
				_, err := s.RotateSigningKey(c, k)
				return err
			},
		}
	}},
	{secusers.AuditSigningKeyPrune, func(t *testing.T, s secusers.Store) auditedChange {
		old, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		_, err = s.RotateSigningKey(ctx(t), newSigningKey())
		must(t, "RotateSigningKey", err)
		// The detail names the keys deleted; no one id is the target.
		return auditedChange{mention: old.ID, do: func(c context.Context) error {
			n, err := s.PruneSigningKeys(c, time.Now().Add(time.Hour))
			// Earlier cases on this store retired keys too.
			if err == nil && n < 1 {
				t.Errorf("PruneSigningKeys: got %d deleted, want at least 1", n)
			}
			return err
		}}
	}},
	{secusers.AuditTenantImport, func(t *testing.T, s secusers.Store) auditedChange {
		tn := newTenant(t, s)
		users := mixedUsers(3)
		return auditedChange{target: tn.ID, mention: "3 users", do: func(c context.Context) error {
			_, err := s.ReplaceUsers(c, tn.ID, Seq(users))
			return err
		}}
	}},
}

var auditTests = []test{
	{"EachChangeWritesOneEvent", func(t *testing.T, s secusers.Store) {
		for _, tc := range auditCases {
			t.Run(tc.action, func(t *testing.T) {
				wantOneEvent(t, s, tc.action, tc.prepare(t, s))
			})
		}
	}},
	{"SystemActorByDefault", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		events := auditEvents(t, s, secusers.AuditQuery{Target: p.ID})
		if len(events) != 1 || events[0].Actor != secusers.SystemActor {
			t.Errorf("a change with no actor in the context: got events %+v, want one by %q", events, secusers.SystemActor)
		}
	}},
	{"FailedChangesWriteNone", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		cu := createCustomer(t, s, p.ID)
		tn := createTenant(t, s, cu.ID)
		a := createApp(t, s, p.ID)
		sec, err := s.AddClientSecret(ctx(t), newSecret(a.ClientID, "kept", time.Now().Add(time.Hour)))
		must(t, "AddClientSecret", err)
		cert := addCert(t, s, newCert(a.ClientID))
		missing := newID()
		for _, tc := range []struct {
			what string
			do   func(c context.Context) error
		}{
			{"CreatePartner invalid", func(c context.Context) error {
				_, err := s.CreatePartner(c, secusers.Partner{ID: "x", Name: "X"})
				return err
			}},
			{"CreatePartner with a used id", func(c context.Context) error {
				_, err := s.CreatePartner(c, secusers.Partner{ID: p.ID, Name: "Again"})
				return err
			}},
			{"CreateCustomer of an unknown partner", func(c context.Context) error {
				_, err := s.CreateCustomer(c, secusers.Customer{ID: newID(), PartnerID: missing, Organization: "O"})
				return err
			}},
			{"CreateGroup with an unknown customer", func(c context.Context) error {
				_, err := s.CreateGroup(c, secusers.CustomerGroup{ID: newID(), PartnerID: p.ID, Name: "G", CustomerIDs: []string{missing}})
				return err
			}},
			{"CreateTenant of an unknown customer", func(c context.Context) error {
				_, err := s.CreateTenant(c, secusers.Tenant{ID: newID(), CustomerID: missing, Name: "t"})
				return err
			}},
			{"CreateApp of an unknown partner", func(c context.Context) error {
				_, err := s.CreateApp(c, newApp(missing, secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}))
				return err
			}},
			{"DisableApp of an unknown app", func(c context.Context) error { return s.DisableApp(c, missing) }},
			{"SetAppScope naming an unknown customer", func(c context.Context) error {
				return s.SetAppScope(c, a.ClientID, secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{missing}})
			}},
			{"AddClientSecret with a used id", func(c context.Context) error {
				again := newSecret(a.ClientID, "again", time.Now().Add(time.Hour))
				again.ID = sec.ID
				_, err := s.AddClientSecret(c, again)
				return err
			}},
			{"RemoveClientSecret of a missing secret", func(c context.Context) error {
				return s.RemoveClientSecret(c, a.ClientID, missing)
			}},
			{"AddClientCertificate invalid", func(c context.Context) error {
				bad := newCert(a.ClientID)
				bad.DER = nil
				_, err := s.AddClientCertificate(c, bad)
				return err
			}},
			{"AddClientCertificate twice", func(c context.Context) error {
				again := newCert(a.ClientID)
				again.Thumbprint = cert.Thumbprint
				_, err := s.AddClientCertificate(c, again)
				return err
			}},
			{"RemoveClientCertificate of a missing certificate", func(c context.Context) error {
				return s.RemoveClientCertificate(c, a.ClientID, strings.Repeat("AB", 20))
			}},
			{"RotateSigningKey invalid", func(c context.Context) error {
				_, err := s.RotateSigningKey(c, secusers.SigningKey{ID: "kid", Algorithm: "RS256"})
				return err
			}},
			{"ReplaceUsers of an unknown tenant", func(c context.Context) error {
				_, err := s.ReplaceUsers(c, missing, Seq(mixedUsers(2)))
				return err
			}},
			{"ReplaceUsers with an invalid user", func(c context.Context) error {
				_, err := s.ReplaceUsers(c, tn.ID, Seq([]secusers.User{{ID: "", DisplayName: "No Id"}}))
				return err
			}},
		} {
			before := lastEventID(t, s)
			if err := tc.do(asActor(t)); err == nil {
				t.Errorf("%s: got no error, want one", tc.what)
			}
			if events := eventsAfter(t, s, before); len(events) != 0 {
				t.Errorf("%s: got audit events %+v, want none", tc.what, events)
			}
		}
	}},
	{"NotAudited", func(t *testing.T, s secusers.Store) {
		// Keeping the service running is not an administrative change.
		a := createApp(t, s, createPartner(t, s).ID)
		before := lastEventID(t, s)
		c := asActor(t)
		_, err := s.EnsureSigningKey(c, newSigningKey())
		must(t, "EnsureSigningKey", err)
		must(t, "UseAssertionID", s.UseAssertionID(c, a.ClientID, "jti", time.Now().Add(time.Minute)))
		n, err := s.PruneSigningKeys(c, time.Now().Add(time.Hour))
		must(t, "PruneSigningKeys", err)
		if n != 0 {
			t.Errorf("PruneSigningKeys with only the active key: got %d deleted, want 0", n)
		}
		if events := eventsAfter(t, s, before); len(events) != 0 {
			t.Errorf("got audit events %+v, want none", events)
		}
	}},
	{"QueryFiltersAndOrder", testAuditQuery},
	{"QueryLimits", testAuditLimits},
}

func testAuditQuery(t *testing.T, s secusers.Store) {
	p1 := createPartner(t, s)
	pause()
	createCustomer(t, s, p1.ID)
	pause()
	p2 := createPartner(t, s) // the third event: Since starts here
	pause()
	createCustomer(t, s, p2.ID)
	pause()
	a := createApp(t, s, p1.ID)
	pause()
	must(t, "DisableApp", s.DisableApp(ctx(t), a.ClientID))

	all := auditEvents(t, s, secusers.AuditQuery{})
	if len(all) != 6 {
		t.Fatalf("AuditEvents: got %d events, want 6", len(all))
	}
	var actions []string
	for i, e := range all {
		actions = append(actions, e.Action)
		if i > 0 && (e.ID >= all[i-1].ID || e.At.After(all[i-1].At)) {
			t.Errorf("AuditEvents[%d]: got id %d at %v after id %d at %v, want newest first",
				i, e.ID, e.At, all[i-1].ID, all[i-1].At)
		}
	}
	wantActions := []string{secusers.AuditAppDisable, secusers.AuditAppCreate, secusers.AuditCustomerCreate,
		secusers.AuditPartnerCreate, secusers.AuditCustomerCreate, secusers.AuditPartnerCreate}
	if diff := cmp.Diff(wantActions, actions); diff != "" {
		t.Errorf("AuditEvents actions, newest first (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		q    secusers.AuditQuery
		want []secusers.AuditEvent
	}{
		{"action", secusers.AuditQuery{Action: secusers.AuditCustomerCreate}, []secusers.AuditEvent{all[2], all[4]}},
		{"target", secusers.AuditQuery{Target: a.ClientID}, all[:2]},
		{"since", secusers.AuditQuery{Since: all[3].At}, all[:4]},
		{"since, to the millisecond", secusers.AuditQuery{Since: all[3].At.Add(time.Millisecond)}, all[:3]},
		{"action and since", secusers.AuditQuery{Action: secusers.AuditPartnerCreate, Since: all[3].At}, all[3:4]},
		{"action and target", secusers.AuditQuery{Action: secusers.AuditAppCreate, Target: a.ClientID}, all[1:2]},
		{"limit", secusers.AuditQuery{Limit: 2}, all[:2]},
		{"limit with a filter", secusers.AuditQuery{Action: secusers.AuditPartnerCreate, Limit: 1}, all[3:4]},
		{"unknown target", secusers.AuditQuery{Target: newID()}, nil},
		{"unknown action", secusers.AuditQuery{Action: "nothing.happened"}, nil},
		{"since later", secusers.AuditQuery{Since: time.Now().Add(time.Hour)}, nil},
	} {
		got := auditEvents(t, s, tc.q)
		if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
			t.Errorf("AuditEvents by %s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func testAuditLimits(t *testing.T, s secusers.Store) {
	const made = 1001
	for range made {
		_, err := s.CreatePartner(ctx(t), secusers.Partner{ID: newID(), Name: "P"})
		must(t, "CreatePartner", err)
	}
	for _, tc := range []struct {
		limit, want int
	}{
		{0, 100},
		{1, 1},
		{1000, 1000},
		{made, 1000},
		{1 << 30, 1000},
	} {
		if got := len(auditEvents(t, s, secusers.AuditQuery{Limit: tc.limit})); got != tc.want {
			t.Errorf("AuditEvents with limit %d of %d events: got %d, want %d", tc.limit, made, got, tc.want)
		}
	}
	_, err := s.AuditEvents(ctx(t), secusers.AuditQuery{Limit: -1})
	wantKind(t, "AuditEvents with a negative limit", err, secusers.Invalid)
}
