package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// listing is what the list commands show of a partner's world; the error
// tests compare it before and after a failed command.
type listing struct {
	Partners  []string
	Customers []string
	Groups    []string
	Tenants   []string
	Apps      []string
}

func list(t *testing.T, db []string, partners ...string) listing {
	t.Helper()
	var l listing
	var ps struct {
		Partners []struct {
			ID, Name  string
			CreatedAt time.Time
		} `json:"partners"`
	}
	ok(t, db, &ps, "admin", "partner", "list")
	for _, p := range ps.Partners {
		l.Partners = append(l.Partners, p.ID)
	}
	for _, pid := range partners {
		var cs struct {
			Customers []struct {
				ID, PartnerID, Organization string
				CreatedAt                   time.Time
			} `json:"customers"`
		}
		ok(t, db, &cs, "admin", "customer", "list", "--partner", pid)
		for _, c := range cs.Customers {
			l.Customers = append(l.Customers, c.ID)
		}
		var gs struct {
			Groups []struct {
				ID, PartnerID, Name string
				CustomerIDs         []string
				CreatedAt           time.Time
			} `json:"groups"`
		}
		ok(t, db, &gs, "admin", "group", "list", "--partner", pid)
		for _, g := range gs.Groups {
			l.Groups = append(l.Groups, g.ID)
		}
		var as appList
		ok(t, db, &as, "admin", "app", "list", "--partner", pid)
		for _, a := range as.Apps {
			l.Apps = append(l.Apps, a.ClientID)
		}
	}
	var ts struct {
		Tenants []struct {
			ID, CustomerID, Name string
			CreatedAt            time.Time
		} `json:"tenants"`
	}
	ok(t, db, &ts, "admin", "tenant", "list")
	for _, tn := range ts.Tenants {
		l.Tenants = append(l.Tenants, tn.ID)
	}
	return l
}

type appList struct {
	Apps []struct {
		ClientID    string   `json:"clientId"`
		PartnerID   string   `json:"partnerId"`
		Name        string   `json:"name"`
		Permissions []string `json:"permissions"`
		Scope       struct {
			Kind string   `json:"kind"`
			IDs  []string `json:"ids"`
		} `json:"customerScope"`
		Disabled  bool      `json:"disabled"`
		CreatedAt time.Time `json:"createdAt"`
		Secrets   []struct {
			ID, Hint             string
			CreatedAt, ExpiresAt time.Time
		} `json:"secrets"`
	} `json:"apps"`
}

func TestAdminCommands(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	partner := createdID(t, db, "admin", "partner", "create", "--name", "Contoso Partners")
	const customerID = "7f3e2a10-aaaa-4000-8000-000000000001"
	customer := createdID(t, db, "admin", "customer", "create", "--partner", strings.ToUpper(partner),
		"--organization", "Fabrikam Ltd.", "--id", strings.ToUpper(customerID))
	if customer != customerID {
		t.Errorf("customer create --id in upper case: got id %q, want %q", customer, customerID)
	}
	other := createdID(t, db, "admin", "customer", "create", "--partner", partner, "--organization", "Northwind")
	grp := createdID(t, db, "admin", "group", "create", "--partner", partner, "--name", "EU", "--customers", customer+","+strings.ToUpper(other))
	const tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tenant := createdID(t, db, "admin", "tenant", "create", "--customer", customer, "--name", "fabrikam.onmicrosoft.com", "--id", "72F988BF-86F1-41AF-91AB-2D7CD011DB47")
	if tenant != tenantID {
		t.Errorf("tenant create: got id %q, want %q", tenant, tenantID)
	}

	var app struct {
		ClientID string `json:"clientId"`
	}
	ok(t, db, &app, "admin", "app", "create", "--partner", partner, "--name", "All", "--permissions", "partner.um.user.read.all")
	allApp := app.ClientID
	ok(t, db, &app, "admin", "app", "create", "--partner", partner, "--name", "Listed",
		"--permissions", "partner.um.user.read.all,partner.customer.read.all", "--customers", customer)
	ok(t, db, &app, "admin", "app", "create", "--partner", partner, "--name", "Grouped", "--permissions", "partner.customer.read.all", "--groups", grp)
	groupedApp := app.ClientID

	var secret struct {
		ClientSecret string `json:"clientSecret"`
		ExpiresAt    string `json:"expiresAt"`
	}
	ok(t, db, &secret, "admin", "app", "secret", "add", "--app", strings.ToUpper(allApp), "--years", "2")
	expires, err := time.Parse(time.RFC3339, secret.ExpiresAt)
	if err != nil || secret.ClientSecret == "" {
		t.Fatalf("secret add: got %+v (%v), want a secret and an RFC 3339 expiry", secret, err)
	}
	if want := time.Now().AddDate(2, 0, 0); expires.Before(want.Add(-time.Minute)) || expires.After(want.Add(time.Minute)) {
		t.Errorf("secret add --years 2: got expiry %v, want about %v", expires, want)
	}
	var disabled struct {
		ClientID string `json:"clientId"`
	}
	ok(t, db, &disabled, "admin", "app", "disable", "--app", groupedApp)
	if disabled.ClientID != groupedApp {
		t.Errorf("app disable: got %q, want %q", disabled.ClientID, groupedApp)
	}

	var apps appList
	ok(t, db, &apps, "admin", "app", "list", "--partner", partner)
	type appView struct {
		Name, Kind string
		IDs        []string
		Disabled   bool
		Secrets    int
	}
	var got []appView
	for _, a := range apps.Apps {
		got = append(got, appView{a.Name, a.Scope.Kind, a.Scope.IDs, a.Disabled, len(a.Secrets)})
		if a.ClientID == allApp && (len(a.Secrets) != 1 || !strings.HasPrefix(secret.ClientSecret, a.Secrets[0].Hint)) {
			t.Errorf("app list: got secrets %+v, want the one added, by its hint", a.Secrets)
		}
	}
	want := []appView{
		{"All", "all", []string{}, false, 1},
		{"Listed", "customers", []string{customer}, false, 0},
		{"Grouped", "groups", []string{grp}, true, 0},
	}
	byName := func(a, b appView) bool { return a.Name < b.Name }
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(byName)); diff != "" {
		t.Errorf("app list (-want +got):\n%s", diff)
	}
	l := list(t, db, partner)
	if len(l.Partners) != 1 || len(l.Customers) != 2 || len(l.Groups) != 1 || len(l.Tenants) != 1 || len(l.Apps) != 3 {
		t.Errorf("got %+v, want 1 partner, 2 customers, 1 group, 1 tenant, 3 apps", l)
	}
}

func TestAdminErrorsWriteNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	partner := createdID(t, db, "admin", "partner", "create", "--name", "P1")
	otherPartner := createdID(t, db, "admin", "partner", "create", "--name", "P2", "--id", "00000000-0000-4000-8000-0000000000b2")
	customer := createdID(t, db, "admin", "customer", "create", "--partner", partner, "--organization", "C1")
	foreign := createdID(t, db, "admin", "customer", "create", "--partner", otherPartner, "--organization", "C2")
	tenant := createdID(t, db, "admin", "tenant", "create", "--customer", customer, "--name", "T1")
	grp := createdID(t, db, "admin", "group", "create", "--partner", otherPartner, "--name", "G2", "--customers", foreign)
	before := list(t, db, partner, otherPartner)

	const unknown = "11111111-2222-4333-8444-555555555555"
	perm := "partner.um.user.read.all"
	for _, tc := range []struct {
		name string
		want string
		args []string
	}{
		{"unknown partner", "partner " + unknown + " not found", []string{"admin", "customer", "create", "--partner", unknown, "--organization", "X"}},
		{"duplicate customer id", "customer " + customer + " already exists", []string{"admin", "customer", "create", "--partner", partner, "--organization", "X", "--id", strings.ToUpper(customer)}},
		{"duplicate partner id", "partner " + otherPartner + " already exists", []string{"admin", "partner", "create", "--name", "X", "--id", otherPartner}},
		{"duplicate tenant id", "tenant " + tenant + " already exists", []string{"admin", "tenant", "create", "--customer", customer, "--name", "X", "--id", tenant}},
		{"duplicate group id", "group " + grp + " already exists", []string{"admin", "group", "create", "--partner", otherPartner, "--name", "X", "--customers", foreign, "--id", grp}},
		{"unknown customer for tenant", "customer " + unknown + " not found", []string{"admin", "tenant", "create", "--customer", unknown, "--name", "X"}},
		{"unknown permission", `unknown permission "partner.everything"`, []string{"admin", "app", "create", "--partner", partner, "--name", "X", "--permissions", perm + ",partner.everything"}},
		{"bad partner GUID", `--partner must be a GUID`, []string{"admin", "customer", "create", "--partner", "not-a-guid", "--organization", "X"}},
		{"bad --id", `--id must be a GUID`, []string{"admin", "tenant", "create", "--customer", customer, "--name", "X", "--id", "{" + unknown + "}"}},
		{"group with another partner's customer", "customer " + foreign + " not found among partner " + partner + "'s customers", []string{"admin", "group", "create", "--partner", partner, "--name", "X", "--customers", customer + "," + foreign}},
		{"group with an unknown customer", "customer " + unknown + " not found among partner " + partner + "'s customers", []string{"admin", "group", "create", "--partner", partner, "--name", "X", "--customers", unknown}},
		{"app with another partner's customer", "customer " + foreign + " not found among partner " + partner + "'s customers", []string{"admin", "app", "create", "--partner", partner, "--name", "X", "--permissions", perm, "--customers", foreign}},
		{"app with another partner's group", "group " + grp + " not found among partner " + partner + "'s groups", []string{"admin", "app", "create", "--partner", partner, "--name", "X", "--permissions", perm, "--groups", grp}},
		{"app with all and ids", `either "all" or a list`, []string{"admin", "app", "create", "--partner", partner, "--name", "X", "--permissions", perm, "--customers", "all," + customer}},
		{"app with customers and groups", "none of the others can be", []string{"admin", "app", "create", "--partner", partner, "--name", "X", "--permissions", perm, "--customers", customer, "--groups", grp}},
		{"app without permissions", `required flag(s) "permissions" not set`, []string{"admin", "app", "create", "--partner", partner, "--name", "X"}},
		{"empty name", "name is required", []string{"admin", "partner", "create", "--name", " "}},
		{"secret for unknown app", "app " + unknown + " not found", []string{"admin", "app", "secret", "add", "--app", unknown}},
		{"secret for 4 years", "--years must be 1, 2 or 3", []string{"admin", "app", "secret", "add", "--app", unknown, "--years", "4"}},
		{"disable unknown app", "app " + unknown + " not found", []string{"admin", "app", "disable", "--app", unknown}},
		{"unknown list partner", "partner " + unknown + " not found", []string{"admin", "customer", "list", "--partner", unknown}},
		{"bad output", `-o must be table or json, got "yaml"`, []string{"admin", "partner", "create", "--name", "X", "-o", "yaml"}},
		{"unknown flag", "unknown flag: --nme", []string{"admin", "partner", "create", "--nme", "X"}},
		{"unknown command", `unknown command "partnr" for "secusers admin"; did you mean "partner"?`, []string{"admin", "partnr"}},
		{"argument to a leaf", `unknown command "extra"`, []string{"admin", "partner", "list", "extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, "", tc.want, append(tc.args, db...)...)
		})
	}
	if diff := cmp.Diff(before, list(t, db, partner, otherPartner)); diff != "" {
		t.Errorf("failed commands changed the database (-before +after):\n%s", diff)
	}
}

func TestTableOutput(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	r := run(t, "", append([]string{"admin", "partner", "create", "--name", "Contoso Partners"}, db...)...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Created partner") || !strings.Contains(r.stdout, "Contoso Partners") {
		t.Errorf("got exit %d, stdout %q; want a human line", r.code, r.stdout)
	}
	r = run(t, "", append([]string{"admin", "partner", "list"}, db...)...)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") {
		t.Errorf("got exit %d, stdout %q; want a header and one row", r.code, r.stdout)
	}
}

func TestHelpAndEnvironment(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"admin", "app", "create", "--help"}, {"admin"}, {"import", "users", "--help"}, {"serve", "--help"},
		{"admin", "app", "scope", "--help"}, {"admin", "keys"}, {"admin", "keys", "rotate", "--help"}, {"admin", "keys", "list", "--help"}} {
		r := run(t, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
			t.Errorf("%v: got exit %d, stdout %.60q, stderr %q; want help", args, r.code, r.stdout, r.stderr)
		}
	}
	path := newDB(t)[1]
	env := func(k string) string {
		if k == "SECUSERS_DB" {
			return path
		}
		return ""
	}
	var out, errOut strings.Builder
	if code := runWithEnv(env, &out, &errOut, "admin", "partner", "create", "--name", "From env", "-o", "json"); code != 0 {
		t.Fatalf("with SECUSERS_DB: exit %d, %s", code, errOut.String())
	}
	if l := list(t, []string{"--db", path}); len(l.Partners) != 1 {
		t.Errorf("SECUSERS_DB was not used: got partners %v in it, want 1", l.Partners)
	}
}
