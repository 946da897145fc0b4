package cli_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// appScope returns the app's customer scope as app list shows it.
func appScope(t *testing.T, db []string, partner, clientID string) (kind string, ids []string) {
	t.Helper()
	var apps appList
	ok(t, db, &apps, "admin", "app", "list", "--partner", partner)
	for _, a := range apps.Apps {
		if a.ClientID == clientID {
			return a.Scope.Kind, a.Scope.IDs
		}
	}
	t.Fatalf("app %s is not in partner %s's list", clientID, partner)
	return "", nil
}

func TestAppScope(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	partner := createdID(t, db, "admin", "partner", "create", "--name", "P")
	c1 := createdID(t, db, "admin", "customer", "create", "--partner", partner, "--organization", "C1")
	c2 := createdID(t, db, "admin", "customer", "create", "--partner", partner, "--organization", "C2")
	grp := createdID(t, db, "admin", "group", "create", "--partner", partner, "--name", "G", "--customers", c1)
	var app struct {
		ClientID string `json:"clientId"`
	}
	ok(t, db, &app, "admin", "app", "create", "--partner", partner, "--name", "A", "--permissions", "partner.um.user.read.all")

	for _, tc := range []struct {
		args     []string
		wantKind string
		wantIDs  []string
	}{
		{[]string{"--customers", strings.ToUpper(c2) + "," + c1}, "customers", []string{c2, c1}},
		{[]string{"--groups", grp}, "groups", []string{grp}},
		{[]string{"--customers", "ALL"}, "all", []string{}},
	} {
		var got struct {
			ClientID string `json:"clientId"`
		}
		ok(t, db, &got, append([]string{"admin", "app", "scope", "--app", strings.ToUpper(app.ClientID)}, tc.args...)...)
		if got.ClientID != app.ClientID {
			t.Errorf("scope %v: got clientId %q, want %q", tc.args, got.ClientID, app.ClientID)
		}
		kind, ids := appScope(t, db, partner, app.ClientID)
		if diff := cmp.Diff(tc.wantIDs, ids); kind != tc.wantKind || diff != "" {
			t.Errorf("scope %v: got %s %v, want %s %v", tc.args, kind, ids, tc.wantKind, tc.wantIDs)
		}
	}
}

func TestAppScopeErrorsWriteNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	partner := createdID(t, db, "admin", "partner", "create", "--name", "P1")
	other := createdID(t, db, "admin", "partner", "create", "--name", "P2")
	customer := createdID(t, db, "admin", "customer", "create", "--partner", partner, "--organization", "C1")
	foreign := createdID(t, db, "admin", "customer", "create", "--partner", other, "--organization", "C2")
	foreignGroup := createdID(t, db, "admin", "group", "create", "--partner", other, "--name", "G2", "--customers", foreign)
	var app struct {
		ClientID string `json:"clientId"`
	}
	ok(t, db, &app, "admin", "app", "create", "--partner", partner, "--name", "A",
		"--permissions", "partner.um.user.read.all", "--customers", customer)

	const unknown = "11111111-2222-4333-8444-555555555555"
	scope := []string{"admin", "app", "scope", "--app", app.ClientID}
	for _, tc := range []struct {
		name string
		want string
		args []string
	}{
		{"unknown app", "app " + unknown + " not found", []string{"admin", "app", "scope", "--app", unknown, "--customers", "all"}},
		{"another partner's customer", "customer " + foreign + " not found", append(scope, "--customers", customer+","+foreign)},
		{"another partner's group", "group " + foreignGroup + " not found", append(scope, "--groups", foreignGroup)},
		{"unknown customer", "customer " + unknown + " not found", append(scope, "--customers", unknown)},
		{"no scope", "at least one of the flags in the group [customers groups] is required", scope},
		{"customers and groups", "none of the others can be", append(scope, "--customers", customer, "--groups", foreignGroup)},
		{"all and ids", `either "all" or a list`, append(scope, "--customers", "all,"+customer)},
		{"empty customers", "--customers needs at least one id", append(scope, "--customers", "")},
		{"empty groups", "--groups needs at least one id", append(scope, "--groups", "")},
		{"bad GUID", "--customers must be a GUID", append(scope, "--customers", "fabrikam")},
		{"bad app GUID", "--app must be a GUID", []string{"admin", "app", "scope", "--app", "x", "--customers", "all"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails(t, "", tc.want, append(tc.args, db...)...)
		})
	}
	if kind, ids := appScope(t, db, partner, app.ClientID); kind != "customers" || len(ids) != 1 || ids[0] != customer {
		t.Errorf("failed commands changed the scope: got %s %v, want customers [%s]", kind, ids, customer)
	}
}

// TestAppCreateEmptyGroups: an empty --groups is an error, not the default
// scope "all", which would grant every customer by accident.
func TestAppCreateEmptyGroups(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	partner := createdID(t, db, "admin", "partner", "create", "--name", "P")
	fails(t, "", "--groups needs at least one id", append([]string{"admin", "app", "create", "--partner", partner, "--name", "A",
		"--permissions", "partner.um.user.read.all", "--groups", ""}, db...)...)
	if l := list(t, db, partner); len(l.Apps) != 0 {
		t.Errorf("got apps %v, want none", l.Apps)
	}
}
