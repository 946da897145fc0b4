package storetest

import (
	"cmp"
	"context"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userjson"
)

// cmpEmpty makes a nil and an empty list equal: the contract does not
// distinguish them for lists a store returns.
var cmpEmpty = cmpopts.EquateEmpty()

// newID returns a fresh id in the domain's canonical form.
func newID() string { return uuid.NewString() }

// ctx returns the test's context: cancelled when the test ends, so that a
// store call a failed test leaves behind does not run on.
func ctx(t testing.TB) context.Context { return t.Context() }

// wantKind fails the test unless err is a domain error of kind want.
func wantKind(t *testing.T, what string, err error, want secusers.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want %v", what, want)
		return
	}
	if got := secusers.KindOf(err); got != want {
		t.Errorf("%s: got error %q of kind %v, want kind %v", what, err, got, want)
	}
}

// wantNamed fails the test unless err is a NotFound error whose caller-safe
// message names id, so that an operator can tell which reference is wrong.
func wantNamed(t *testing.T, what string, err error, id string) {
	t.Helper()
	wantKind(t, what, err, secusers.NotFound)
	if msg := secusers.MessageOf(err); err != nil && !strings.Contains(msg, id) {
		t.Errorf("%s: got message %q, want one naming %s", what, msg, id)
	}
}

// must fails the test at once when err is not nil.
func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: got error %v, want nil", what, err)
	}
}

// byID sorts a copy of records by their id, for comparing lists whose
// order the contract leaves to the backend.
func byID[T any](records []T, id func(T) string) []T {
	out := slices.Clone(records)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(id(a), id(b)) })
	return out
}

func createPartner(t testing.TB, s secusers.Store) secusers.Partner {
	t.Helper()
	p, err := s.CreatePartner(ctx(t), secusers.Partner{ID: newID(), Name: "Partner " + newID()[:8]})
	must(t, "CreatePartner", err)
	return p
}

func createCustomer(t testing.TB, s secusers.Store, partnerID string) secusers.Customer {
	t.Helper()
	c, err := s.CreateCustomer(ctx(t), secusers.Customer{ID: newID(), PartnerID: partnerID, Organization: "Org " + newID()[:8]})
	must(t, "CreateCustomer", err)
	return c
}

func createTenant(t testing.TB, s secusers.Store, customerID string) secusers.Tenant {
	t.Helper()
	tn, err := s.CreateTenant(ctx(t), secusers.Tenant{ID: newID(), CustomerID: customerID, Name: "tenant.onmicrosoft.com"})
	must(t, "CreateTenant", err)
	return tn
}

func createGroup(t *testing.T, s secusers.Store, partnerID string, customerIDs ...string) secusers.CustomerGroup {
	t.Helper()
	g, err := s.CreateGroup(ctx(t), secusers.CustomerGroup{ID: newID(), PartnerID: partnerID, Name: "Group", CustomerIDs: customerIDs})
	must(t, "CreateGroup", err)
	return g
}

func newApp(partnerID string, scope secusers.CustomerScope) secusers.App {
	return secusers.App{
		ClientID: newID(), PartnerID: partnerID, Name: "App",
		Permissions: []string{secusers.PermissionReadUsers}, Scope: scope,
	}
}

// NewTenant makes a partner with one customer and one tenant, for a
// backend's own tests and benchmarks, and returns the tenant's id.
func NewTenant(tb testing.TB, s secusers.Store) string {
	tb.Helper()
	return createTenant(tb, s, createCustomer(tb, s, createPartner(tb, s).ID).ID).ID
}

// newTenant makes a partner with one customer and one tenant.
func newTenant(t *testing.T, s secusers.Store) secusers.Tenant {
	t.Helper()
	return createTenant(t, s, createCustomer(t, s, createPartner(t, s).ID).ID)
}

// newUser returns a user with a fresh id; its TestUser flag follows status.
func newUser(displayName string, status secusers.StatusSet) secusers.User {
	return secusers.User{
		ID: newID(), DisplayName: displayName, UserPrincipalName: strings.ToLower(newID()[:8]) + "@contoso.com",
		Status: status, IsTestUser: status.Has(secusers.TestUser),
	}
}

// Seq yields users one by one, as an import or a sync would.
func Seq(users []secusers.User) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
}

func replace(t *testing.T, s secusers.Store, tenantID string, users []secusers.User) {
	t.Helper()
	r, err := s.ReplaceUsers(ctx(t), tenantID, Seq(users))
	must(t, "ReplaceUsers", err)
	if r.After != len(users) {
		t.Fatalf("ReplaceUsers: got %d written, want %d", r.After, len(users))
	}
}

// allUsers collects the Users iterator.
func allUsers(t *testing.T, s secusers.Store, tenantID string) []secusers.User {
	t.Helper()
	var out []secusers.User
	for u, err := range s.Users(ctx(t), tenantID) {
		must(t, "Users", err)
		out = append(out, u)
	}
	return out
}

// inOrder returns the users in the API's order as the spec defines it:
// SortKey of the display name by bytes, then id.
func inOrder(users []secusers.User) []secusers.User {
	out := slices.Clone(users)
	slices.SortFunc(out, func(a, b secusers.User) int {
		return cmp.Or(strings.Compare(secusers.SortKey(a.DisplayName), secusers.SortKey(b.DisplayName)),
			strings.Compare(a.ID, b.ID))
	})
	return out
}

// matching returns the users a query with the status mask selects: any of
// the mask's statuses, or any status at all when the mask is empty.
func matching(users []secusers.User, mask secusers.StatusSet) []secusers.User {
	if mask == 0 {
		mask = secusers.AllStatusBits
	}
	var out []secusers.User
	for _, u := range users {
		if u.Status.Intersects(mask) {
			out = append(out, u)
		}
	}
	return out
}

// names returns the users' display names, for readable diffs.
func names(users []secusers.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.DisplayName + " " + u.ID
	}
	return out
}

// decoded returns the users of a page as the store was given them, from the
// JSON it keeps for the API (userjson.Decode): comparing them with the users
// written checks that encoding as much as the page's selection.
func decoded(t testing.TB, page secusers.UserPage) []secusers.User {
	t.Helper()
	users, err := userjson.DecodePage(page)
	if err != nil {
		t.Fatalf("decode a page of security users: %v", err)
	}
	return users
}
