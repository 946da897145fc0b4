package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/demo"
)

// importDetails returns the details of the tenant's import events in the
// audit trail, oldest first.
func importDetails(t *testing.T, db []string, tenant string) []string {
	t.Helper()
	var out struct {
		Events []struct {
			Detail string `json:"detail"`
		} `json:"events"`
	}
	r := run(t, "", append([]string{"admin", "audit", "list", "--action", "tenant.users.import", "--target", tenant, "-o", "json"}, db...)...)
	if r.code != 0 {
		t.Fatalf("audit list: exit %d, %s", r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("audit list: %v in %q", err, r.stdout)
	}
	var details []string
	for i := len(out.Events) - 1; i >= 0; i-- {
		details = append(details, out.Events[i].Detail)
	}
	return details
}

// TestImportEmptyInput: an input without records (an empty pipe, or only
// blank lines) is refused before anything is written, unless --allow-empty
// says that emptying the tenant is meant.
func TestImportEmptyInput(t *testing.T) {
	t.Parallel()
	three := usersFile(t, demo.Users(6, 3, "contoso.onmicrosoft.com"))
	for _, tc := range []struct {
		name       string
		stdin      string
		allowEmpty bool
		wantErr    string // "" for success
		wantOut    string // with "TENANT" for the tenant's id
		wantLeft   int    // users in the tenant afterwards
	}{
		{"empty pipe", "", false, "stdin: the input holds no user records; nothing was changed; pass --allow-empty to empty the tenant", "", 3},
		{"blank lines only", "\n  \n\n", false, "the input holds no user records", "", 3},
		{"byte order mark only", "\ufeff\n", false, "the input holds no user records", "", 3},
		{"empty pipe allowed", "", true, "", "Imported 0 users into tenant TENANT (replacing 3)\n", 0},
		{"records with --allow-empty", three, true, "", "Imported 3 users into tenant TENANT (replacing 3)\n", 3},
		{"a bad first line is reported as before", "{\n", false, "stdin: line 1:", "", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, tenant := tenantDB(t)
			if r := run(t, three, append([]string{"import", "users", "--tenant", tenant, "--file", "-"}, db...)...); r.code != 0 {
				t.Fatalf("first import: exit %d, %s", r.code, r.stderr)
			}
			before := export(t, db, tenant)
			args := append([]string{"import", "users", "--tenant", tenant, "--file", "-"}, db...)
			if tc.allowEmpty {
				args = append(args, "--allow-empty")
			}
			if tc.wantErr != "" {
				fails(t, tc.stdin, tc.wantErr, args...)
				if got := export(t, db, tenant); got != before {
					t.Errorf("a refused import changed the users:\n got %q\nwant %q", got, before)
				}
				// Nothing was written: no event beside the first import's.
				if diff := cmp.Diff([]string{"0 → 3 users"}, importDetails(t, db, tenant)); diff != "" {
					t.Errorf("import events after a refused import (-want +got):\n%s", diff)
				}
				return
			}
			r := run(t, tc.stdin, args...)
			if want := strings.ReplaceAll(tc.wantOut, "TENANT", tenant); r.code != 0 || r.stdout != want || r.stderr != "" {
				t.Errorf("got exit %d, stdout %q, stderr %q; want 0, %q and none", r.code, r.stdout, r.stderr, want)
			}
			if got := strings.Count(export(t, db, tenant), "\n"); got != tc.wantLeft {
				t.Errorf("users afterwards: got %d, want %d", got, tc.wantLeft)
			}
		})
	}
}

// TestImportReportsReplaced: the output and the audit trail say how many
// users an import replaced, counted in its transaction.
func TestImportReportsReplaced(t *testing.T) {
	t.Parallel()
	db, tenant := tenantDB(t)
	for _, tc := range []struct {
		users int
		want  usersResult
	}{
		{1200, usersResult{TenantID: tenant, Users: 1200, Replaced: 0}},
		{1180, usersResult{TenantID: tenant, Users: 1180, Replaced: 1200}},
		{5, usersResult{TenantID: tenant, Users: 5, Replaced: 1180}},
	} {
		r := run(t, usersFile(t, demo.Users(int64(tc.users), tc.users, "contoso.onmicrosoft.com")),
			append([]string{"import", "users", "--tenant", tenant, "--file", "-", "-o", "json"}, db...)...)
		if r.code != 0 {
			t.Fatalf("import of %d users: exit %d, %s", tc.users, r.code, r.stderr)
		}
		// The keys of before stay, "replaced" is added.
		var got usersResult
		decodeOne(t, r.stdout, &got)
		if got != tc.want || !strings.Contains(r.stdout, `"replaced":`) {
			t.Errorf("import of %d users: got %s, want %+v with \"replaced\"", tc.users, r.stdout, tc.want)
		}
	}
	want := []string{"0 → 1200 users", "1200 → 1180 users", "1180 → 5 users"}
	if diff := cmp.Diff(want, importDetails(t, db, tenant)); diff != "" {
		t.Errorf("audit details of the imports (-want +got):\n%s", diff)
	}
	r := run(t, usersFile(t, demo.Users(9, 7, "contoso.onmicrosoft.com")), append([]string{"import", "users", "--tenant", tenant, "--file", "-"}, db...)...)
	if want := "Imported 7 users into tenant " + tenant + " (replacing 5)\n"; r.code != 0 || r.stdout != want {
		t.Errorf("text output: got exit %d, %q, want 0, %q", r.code, r.stdout, want)
	}
}
