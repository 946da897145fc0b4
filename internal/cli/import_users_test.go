package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userfile"
)

// tenantDB returns a database with one tenant, and the tenant's id.
func tenantDB(t *testing.T) ([]string, string) {
	t.Helper()
	db := newDB(t)
	partner := createdID(t, db, "admin", "partner", "create", "--name", "P")
	customer := createdID(t, db, "admin", "customer", "create", "--partner", partner, "--organization", "C")
	return db, createdID(t, db, "admin", "tenant", "create", "--customer", customer, "--name", "T")
}

// usersFile writes users as a user file and returns its text.
func usersFile(t *testing.T, users []secusers.User) string {
	t.Helper()
	var buf bytes.Buffer
	w := userfile.NewWriter(&buf)
	for _, u := range users {
		if err := w.Write(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// export returns the tenant's users as export users writes them to stdout.
func export(t *testing.T, db []string, tenant string) string {
	t.Helper()
	r := run(t, "", append([]string{"export", "users", "--tenant", tenant}, db...)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("export: exit %d, stderr %q", r.code, r.stderr)
	}
	return r.stdout
}

type usersResult struct {
	TenantID string `json:"tenantId"`
	Users    int    `json:"users"`
	Replaced int    `json:"replaced,omitempty"` // import only
}

func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	db, tenant := tenantDB(t)
	users := demo.Users(3, 400, "fabrikam.onmicrosoft.com")
	path := filepath.Join(t.TempDir(), "users.jsonl")
	if err := os.WriteFile(path, []byte(usersFile(t, users)), 0o600); err != nil {
		t.Fatal(err)
	}
	var res usersResult
	ok(t, db, &res, "import", "users", "--tenant", strings.ToUpper(tenant), "--file", path)
	if res != (usersResult{TenantID: tenant, Users: len(users)}) {
		t.Errorf("import: got %+v, want %s and %d users", res, tenant, len(users))
	}
	first := export(t, db, tenant)
	var got []secusers.User
	for u, err := range userfile.ReadUsers(strings.NewReader(first)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u)
	}
	byID := func(a, b secusers.User) int { return strings.Compare(a.ID, b.ID) }
	if diff := cmp.Diff(sorted(users, byID), sorted(got, byID)); diff != "" {
		t.Fatalf("exported users differ from the imported ones (-want +got):\n%s", diff)
	}
	// Export, import the export from stdin, export again: the same bytes.
	r := run(t, first, append([]string{"import", "users", "--tenant", tenant, "--file", "-", "-o", "json"}, db...)...)
	if r.code != 0 {
		t.Fatalf("import from stdin: exit %d, %s", r.code, r.stderr)
	}
	if second := export(t, db, tenant); second != first {
		t.Errorf("export → import → export changed the file")
	}
	// Export to a file: the records in the file, a summary on stdout.
	out := filepath.Join(t.TempDir(), "export.jsonl")
	ok(t, db, &res, "export", "users", "--tenant", tenant, "--file", out)
	data, err := os.ReadFile(out)
	if err != nil || string(data) != first || res.Users != len(users) {
		t.Errorf("export --file: got %d bytes (%v) and %+v; want the stdout export and %d users", len(data), err, res, len(users))
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export --file: got mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

func sorted(users []secusers.User, cmpFn func(a, b secusers.User) int) []secusers.User {
	out := append([]secusers.User(nil), users...)
	slices.SortFunc(out, cmpFn)
	return out
}

func TestImportBadLineChangesNothing(t *testing.T) {
	t.Parallel()
	db, tenant := tenantDB(t)
	before := usersFile(t, demo.Users(4, 3, "contoso.onmicrosoft.com"))
	r := run(t, before, append([]string{"import", "users", "--tenant", tenant, "--file", "-"}, db...)...)
	if r.code != 0 {
		t.Fatalf("import: exit %d, %s", r.code, r.stderr)
	}
	want := export(t, db, tenant)

	replacement := strings.Split(usersFile(t, demo.Users(5, 4, "contoso.onmicrosoft.com")), "\n")
	replacement[2] = regexp.MustCompile(`"status":\d+`).ReplaceAllString(replacement[2], `"status":"HighRisk"`)
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(replacement, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	fails(t, "", path+": line 3: status must be an integer", append([]string{"import", "users", "--tenant", tenant, "--file", path}, db...)...)
	if got := export(t, db, tenant); got != want {
		t.Errorf("a failed import changed the tenant's users:\n got %s\nwant %s", got, want)
	}
	fails(t, `{"id":"`+demo.TenantID+`","bogus":1}`, "stdin: line 1: unknown field", append([]string{"import", "users", "--tenant", tenant, "--file", "-"}, db...)...)
	fails(t, "", "no such file", append([]string{"import", "users", "--tenant", tenant, "--file", filepath.Join(t.TempDir(), "missing.jsonl")}, db...)...)
	// A record on stdin: an empty input is refused before the tenant is
	// looked at (see TestImportEmptyInput).
	fails(t, before, "tenant "+demo.TenantID+" not found", append([]string{"import", "users", "--tenant", demo.TenantID, "--file", "-"}, db...)...)
	fails(t, "", "tenant "+demo.TenantID+" not found", append([]string{"export", "users", "--tenant", demo.TenantID}, db...)...)
	if got := export(t, db, tenant); got != want {
		t.Errorf("failed imports changed the tenant's users")
	}
}
