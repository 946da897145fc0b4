package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// The partner → customer → tenant hierarchy: create, get, list, and the
// errors of each.

var partnerTests = []test{
	{"CreateGetList", func(t *testing.T, s secusers.Store) {
		in := secusers.Partner{ID: newID(), Name: "Contoso Partners", CreatedAt: time.Unix(1, 0)}
		created, err := s.CreatePartner(ctx(t), in)
		must(t, "CreatePartner", err)
		checkCreated(t, created.CreatedAt)
		in.CreatedAt = created.CreatedAt
		if diff := cmp.Diff(in, created); diff != "" {
			t.Errorf("CreatePartner returned (-want +got):\n%s", diff)
		}
		got, err := s.Partner(ctx(t), in.ID)
		must(t, "Partner", err)
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("Partner (-want +got):\n%s", diff)
		}
		other := createPartner(t, s)
		list, err := s.Partners(ctx(t))
		must(t, "Partners", err)
		want := byID([]secusers.Partner{created, other}, func(p secusers.Partner) string { return p.ID })
		if diff := cmp.Diff(want, byID(list, func(p secusers.Partner) string { return p.ID })); diff != "" {
			t.Errorf("Partners (-want +got):\n%s", diff)
		}
	}},
	{"Empty", func(t *testing.T, s secusers.Store) {
		list, err := s.Partners(ctx(t))
		must(t, "Partners", err)
		if len(list) != 0 {
			t.Errorf("Partners of an empty store: got %d, want 0", len(list))
		}
	}},
	{"Errors", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		_, err := s.CreatePartner(ctx(t), secusers.Partner{ID: p.ID, Name: "Again"})
		wantKind(t, "CreatePartner with a used id", err, secusers.Conflict)
		got, err := s.Partner(ctx(t), p.ID)
		must(t, "Partner", err)
		if got.Name != p.Name {
			t.Errorf("after a conflict: got name %q, want %q", got.Name, p.Name)
		}
		_, err = s.Partner(ctx(t), newID())
		wantKind(t, "Partner of an unknown id", err, secusers.NotFound)
		for _, bad := range []secusers.Partner{
			{ID: "not-a-guid", Name: "x"},
			{ID: "0F8FAD5B-D9CB-469F-A165-70867728950E", Name: "upper-case id"},
			{ID: newID(), Name: "  "},
			{ID: newID(), Name: "nul\x00"},
		} {
			_, err := s.CreatePartner(ctx(t), bad)
			wantKind(t, "CreatePartner "+bad.ID+" "+bad.Name, err, secusers.Invalid)
		}
	}},
}

var customerTests = []test{
	{"CreateGetList", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		in := secusers.Customer{ID: newID(), PartnerID: p.ID, Organization: "Fabrikam, Inc."}
		created, err := s.CreateCustomer(ctx(t), in)
		must(t, "CreateCustomer", err)
		checkCreated(t, created.CreatedAt)
		in.CreatedAt = created.CreatedAt
		if diff := cmp.Diff(in, created); diff != "" {
			t.Errorf("CreateCustomer returned (-want +got):\n%s", diff)
		}
		got, err := s.Customer(ctx(t), in.ID)
		must(t, "Customer", err)
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("Customer (-want +got):\n%s", diff)
		}
		second := createCustomer(t, s, p.ID)
		list, err := s.Customers(ctx(t), p.ID)
		must(t, "Customers", err)
		id := func(c secusers.Customer) string { return c.ID }
		if diff := cmp.Diff(byID([]secusers.Customer{created, second}, id), byID(list, id)); diff != "" {
			t.Errorf("Customers (-want +got):\n%s", diff)
		}
		list, err = s.Customers(ctx(t), createPartner(t, s).ID)
		must(t, "Customers of a partner without any", err)
		if len(list) != 0 {
			t.Errorf("Customers of a partner without any: got %d, want 0", len(list))
		}
	}},
	{"Errors", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c := createCustomer(t, s, p.ID)
		_, err := s.CreateCustomer(ctx(t), secusers.Customer{ID: c.ID, PartnerID: p.ID, Organization: "Again"})
		wantKind(t, "CreateCustomer with a used id", err, secusers.Conflict)
		_, err = s.CreateCustomer(ctx(t), secusers.Customer{ID: c.ID, PartnerID: createPartner(t, s).ID, Organization: "Again"})
		wantKind(t, "CreateCustomer with another partner's customer id", err, secusers.Conflict)

		missing := newID()
		orphan := secusers.Customer{ID: newID(), PartnerID: missing, Organization: "Orphan"}
		_, err = s.CreateCustomer(ctx(t), orphan)
		wantNamed(t, "CreateCustomer of an unknown partner", err, missing)
		_, err = s.Customer(ctx(t), orphan.ID)
		wantKind(t, "Customer after a refused create", err, secusers.NotFound)

		_, err = s.Customer(ctx(t), newID())
		wantKind(t, "Customer of an unknown id", err, secusers.NotFound)
		_, err = s.Customers(ctx(t), newID())
		wantKind(t, "Customers of an unknown partner", err, secusers.NotFound)
		_, err = s.CreateCustomer(ctx(t), secusers.Customer{ID: newID(), PartnerID: p.ID})
		wantKind(t, "CreateCustomer without an organization", err, secusers.Invalid)
	}},
}

var tenantTests = []test{
	{"CreateGetList", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c := createCustomer(t, s, p.ID)
		in := secusers.Tenant{ID: newID(), CustomerID: c.ID, Name: "fabrikam.onmicrosoft.com"}
		created, err := s.CreateTenant(ctx(t), in)
		must(t, "CreateTenant", err)
		checkCreated(t, created.CreatedAt)
		in.CreatedAt = created.CreatedAt
		if diff := cmp.Diff(in, created); diff != "" {
			t.Errorf("CreateTenant returned (-want +got):\n%s", diff)
		}
		got, err := s.Tenant(ctx(t), in.ID)
		must(t, "Tenant", err)
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("Tenant (-want +got):\n%s", diff)
		}
		second := createTenant(t, s, c.ID)
		elsewhere := newTenant(t, s) // another partner's customer's tenant
		id := func(t secusers.Tenant) string { return t.ID }
		list, err := s.Tenants(ctx(t), c.ID)
		must(t, "Tenants", err)
		if diff := cmp.Diff(byID([]secusers.Tenant{created, second}, id), byID(list, id)); diff != "" {
			t.Errorf("Tenants of the customer (-want +got):\n%s", diff)
		}
		list, err = s.Tenants(ctx(t), "")
		must(t, "Tenants of all customers", err)
		if diff := cmp.Diff(byID([]secusers.Tenant{created, second, elsewhere}, id), byID(list, id)); diff != "" {
			t.Errorf("Tenants of all customers (-want +got):\n%s", diff)
		}
		list, err = s.Tenants(ctx(t), createCustomer(t, s, p.ID).ID)
		must(t, "Tenants of a customer without any", err)
		if len(list) != 0 {
			t.Errorf("Tenants of a customer without any: got %d, want 0", len(list))
		}
	}},
	{"Errors", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		_, err := s.CreateTenant(ctx(t), secusers.Tenant{ID: tn.ID, CustomerID: tn.CustomerID, Name: "Again"})
		wantKind(t, "CreateTenant with a used id", err, secusers.Conflict)
		missing := newID()
		orphan := secusers.Tenant{ID: newID(), CustomerID: missing, Name: "Orphan"}
		_, err = s.CreateTenant(ctx(t), orphan)
		wantNamed(t, "CreateTenant of an unknown customer", err, missing)
		_, err = s.Tenant(ctx(t), orphan.ID)
		wantKind(t, "Tenant after a refused create", err, secusers.NotFound)
		_, err = s.Tenants(ctx(t), newID())
		wantKind(t, "Tenants of an unknown customer", err, secusers.NotFound)
		_, err = s.CreateTenant(ctx(t), secusers.Tenant{ID: "x", CustomerID: tn.CustomerID, Name: "Bad id"})
		wantKind(t, "CreateTenant with a bad id", err, secusers.Invalid)
	}},
}

// checkCreated fails the test unless a creating method stamped the record
// with a time in UTC. (The callers also check that the record read back
// equals the one returned, so the store returns the time as it keeps it.)
func checkCreated(t *testing.T, at time.Time) {
	t.Helper()
	switch {
	case at.IsZero():
		t.Errorf("CreatedAt: got the zero time, want the store's clock")
	case at.Location() != time.UTC:
		t.Errorf("CreatedAt: got location %v, want UTC", at.Location())
	}
}
