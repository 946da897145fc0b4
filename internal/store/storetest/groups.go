package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

var groupTests = []test{
	{"CreateListMembership", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c1, c2, c3 := createCustomer(t, s, p.ID), createCustomer(t, s, p.ID), createCustomer(t, s, p.ID)
		in := secusers.CustomerGroup{ID: newID(), PartnerID: p.ID, Name: "Gold", CustomerIDs: []string{c3.ID, c1.ID}}
		created, err := s.CreateGroup(ctx(t), in)
		must(t, "CreateGroup", err)
		checkCreated(t, created.CreatedAt)
		in.CreatedAt = created.CreatedAt
		if diff := cmp.Diff(in, created); diff != "" {
			t.Errorf("CreateGroup returned (-want +got):\n%s", diff)
		}
		second := createGroup(t, s, p.ID, c1.ID)
		id := func(g secusers.CustomerGroup) string { return g.ID }
		list, err := s.Groups(ctx(t), p.ID)
		must(t, "Groups", err)
		// Members keep the order they were given in.
		if diff := cmp.Diff(byID([]secusers.CustomerGroup{created, second}, id), byID(list, id)); diff != "" {
			t.Errorf("Groups (-want +got):\n%s", diff)
		}
		for _, tc := range []struct {
			customer string
			want     []string
		}{
			{c1.ID, []string{created.ID, second.ID}},
			{c2.ID, nil},
			{c3.ID, []string{created.ID}},
		} {
			got, err := s.GroupIDsOfCustomer(ctx(t), tc.customer)
			must(t, "GroupIDsOfCustomer", err)
			if diff := cmp.Diff(byID(tc.want, str), byID(got, str), cmpEmpty); diff != "" {
				t.Errorf("GroupIDsOfCustomer(%s) (-want +got):\n%s", tc.customer, diff)
			}
		}
		list, err = s.Groups(ctx(t), createPartner(t, s).ID)
		must(t, "Groups of a partner without any", err)
		if len(list) != 0 {
			t.Errorf("Groups of a partner without any: got %d, want 0", len(list))
		}
	}},
	{"Errors", func(t *testing.T, s secusers.Store) {
		p := createPartner(t, s)
		c := createCustomer(t, s, p.ID)
		g := createGroup(t, s, p.ID, c.ID)
		_, err := s.CreateGroup(ctx(t), secusers.CustomerGroup{ID: g.ID, PartnerID: p.ID, Name: "Again", CustomerIDs: []string{c.ID}})
		wantKind(t, "CreateGroup with a used id", err, secusers.Conflict)

		missing := newID()
		_, err = s.CreateGroup(ctx(t), secusers.CustomerGroup{ID: newID(), PartnerID: missing, Name: "x", CustomerIDs: []string{c.ID}})
		wantNamed(t, "CreateGroup of an unknown partner", err, missing)
		bad := secusers.CustomerGroup{ID: newID(), PartnerID: p.ID, Name: "x", CustomerIDs: []string{c.ID, missing}}
		_, err = s.CreateGroup(ctx(t), bad)
		wantNamed(t, "CreateGroup with an unknown customer", err, missing)
		_, err = s.CreateGroup(ctx(t), secusers.CustomerGroup{ID: newID(), PartnerID: p.ID, Name: "x", CustomerIDs: []string{c.ID, c.ID}})
		wantKind(t, "CreateGroup listing a customer twice", err, secusers.Invalid)
		_, err = s.CreateGroup(ctx(t), secusers.CustomerGroup{ID: newID(), PartnerID: p.ID, Name: "x"})
		wantKind(t, "CreateGroup without customers", err, secusers.Invalid)

		list, err := s.Groups(ctx(t), p.ID)
		must(t, "Groups", err)
		if len(list) != 1 {
			t.Errorf("Groups after refused creates: got %d groups, want 1", len(list))
		}
		ids, err := s.GroupIDsOfCustomer(ctx(t), c.ID)
		must(t, "GroupIDsOfCustomer", err)
		if diff := cmp.Diff([]string{g.ID}, ids); diff != "" {
			t.Errorf("GroupIDsOfCustomer after refused creates (-want +got):\n%s", diff)
		}
		_, err = s.Groups(ctx(t), newID())
		wantKind(t, "Groups of an unknown partner", err, secusers.NotFound)
		_, err = s.GroupIDsOfCustomer(ctx(t), newID())
		wantKind(t, "GroupIDsOfCustomer of an unknown customer", err, secusers.NotFound)
	}},
}

func str(s string) string { return s }
