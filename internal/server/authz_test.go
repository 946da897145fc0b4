package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
)

// authzWorld is two partners, each with three customers (one tenant each,
// the first two tenants), a group holding the second customer, and an app
// of every customer-scope kind.
type authzWorld struct {
	partners  []string
	customers []authzCustomer
	apps      []authzApp
}

type authzCustomer struct {
	id, partner string
	groups      []string
	tenants     []string
}

type authzApp struct {
	name, clientID, secret, partner string
	scope                           secusers.CustomerScope
}

// id makes a readable, distinct GUID per kind and number.
func id(kind, n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, n) }

func buildAuthzWorld(t *testing.T, st secusers.Store) authzWorld {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var w authzWorld
	for p := 1; p <= 2; p++ {
		pid := id(1, p)
		_, err := st.CreatePartner(ctx, secusers.Partner{ID: pid, Name: fmt.Sprintf("Partner %d", p)})
		must(err)
		w.partners = append(w.partners, pid)
		var custs []string
		for c := 1; c <= 3; c++ {
			cid := id(2, p*10+c)
			_, err := st.CreateCustomer(ctx, secusers.Customer{ID: cid, PartnerID: pid, Organization: fmt.Sprintf("P%d customer %d", p, c)})
			must(err)
			custs = append(custs, cid)
			ac := authzCustomer{id: cid, partner: pid}
			for n := 1; n <= c%2+1; n++ { // customers 1 and 3 have two tenants, 2 has one
				tid := id(4, p*100+c*10+n)
				_, err := st.CreateTenant(ctx, secusers.Tenant{ID: tid, CustomerID: cid, Name: "tenant"})
				must(err)
				ac.tenants = append(ac.tenants, tid)
			}
			w.customers = append(w.customers, ac)
		}
		gid := id(3, p)
		_, err = st.CreateGroup(ctx, secusers.CustomerGroup{ID: gid, PartnerID: pid, Name: "group", CustomerIDs: custs[1:2]})
		must(err)
		w.customers[len(w.customers)-2].groups = []string{gid}
		for i, sc := range []struct {
			name  string
			scope secusers.CustomerScope
		}{
			{"all", secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}},
			{"customer1", secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: custs[:1]}},
			{"customers1and3", secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: []string{custs[0], custs[2]}}},
			{"group", secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: []string{gid}}},
		} {
			clientID := id(5, p*10+i)
			_, err := st.CreateApp(ctx, secusers.App{ClientID: clientID, PartnerID: pid, Name: sc.name,
				Permissions: []string{secusers.PermissionReadUsers}, Scope: sc.scope})
			must(err)
			secret, rec, err := identity.NewClientSecret(clientID, 1, time.Now())
			must(err)
			_, err = st.AddClientSecret(ctx, rec)
			must(err)
			w.apps = append(w.apps, authzApp{name: fmt.Sprintf("P%d/%s", p, sc.name), clientID: clientID, secret: secret, partner: pid, scope: sc.scope})
		}
	}
	return w
}

// expect is the matrix's model, written from the spec (§4) rather than
// from the handler: another partner's (or an unknown) customer is 404; an
// own customer outside the app's scope is 403 whatever the tenant id, so
// that the app learns nothing of that customer's tenants; then a tenant
// that is not the customer's is 404; anything else 200.
func (w authzWorld) expect(app authzApp, cust authzCustomer, tenantID string) int {
	switch {
	case cust.partner != app.partner:
		return http.StatusNotFound
	case !app.scope.Covers(cust.id, cust.groups):
		return http.StatusForbidden
	case !slices.Contains(cust.tenants, tenantID):
		return http.StatusNotFound
	}
	return http.StatusOK
}

// TestAuthorizationMatrix asks, with a real token of every app, for every
// customer paired with every tenant (its own and everyone else's), and
// compares each answer with the model.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	w := buildAuthzWorld(t, st)
	rs := startWith(t, func(c *server.Config) { c.Store = st })

	var tenants []string
	for _, c := range w.customers {
		tenants = append(tenants, c.tenants...)
	}
	unknown := authzCustomer{id: id(9, 9), partner: "nobody"}
	counts := map[int]int{}
	for _, app := range w.apps {
		token := fetchToken(t, rs.url, app.clientID, app.secret)
		for _, cust := range append(slices.Clone(w.customers), unknown) {
			for _, tid := range append(slices.Clone(tenants), id(9, 8)) {
				want := w.expect(app, cust, tid)
				got, body := getUsers(t, rs.url, token, cust.id, tid)
				counts[want]++
				if got != want {
					t.Errorf("%s → customer %s tenant %s: got %d, want %d (%s)", app.name, cust.id, tid, got, want, body)
				}
			}
		}
	}
	// The matrix must exercise every answer, or it proves less than it seems.
	for _, code := range []int{http.StatusOK, http.StatusForbidden, http.StatusNotFound} {
		if counts[code] == 0 {
			t.Errorf("no cell of the matrix expects %d", code)
		}
	}
	t.Logf("cells: %d × 200, %d × 403, %d × 404", counts[200], counts[403], counts[404])
}

func fetchToken(t *testing.T, base, clientID, secret string) string {
	t.Helper()
	resp, err := http.PostForm(base+"/connect/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("token for %s: %d %s", clientID, resp.StatusCode, body)
	}
	return tok.AccessToken
}

func getUsers(t *testing.T, base, token, customerID, tenantID string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet,
		base+"/partner/external/v3/um/customers/"+customerID+"/tenants/"+tenantID+"/overview/security/users/batch", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
