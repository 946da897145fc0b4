package e2e

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// listedUser is a user as `secusers users list` shows it in every output
// form: the API's fields, dates in Unix milliseconds.
type listedUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	DisplayName       string `json:"displayName"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	EmployeeID        string `json:"employeeId"`
	Location          string `json:"location"`
	Department        string `json:"department"`
	Mobile            string `json:"mobile"`
	JobTitle          string `json:"jobTitle"`
	Status            int    `json:"status"`
	IsTestUser        bool   `json:"isTestUser"`
	Age               int64  `json:"age"`
	StartDate         int64  `json:"startDate"`
	EndDate           int64  `json:"endDate"`
	OfficePhone       string `json:"officePhone"`
	Company           string `json:"company"`
	CountryRegion     string `json:"countryRegion"`
}

// usersCmdWorld is a served store with one tenant of known users and an app
// that may read it.
type usersCmdWorld struct {
	e                          *env
	srv                        *server
	customer, tenant, clientID string
	secret                     string
}

// newUsersCmdWorld sets up the world through the CLI, imports a couple of
// thousand generated users (some with cells a spreadsheet would run as
// formulas), and serves it.
func newUsersCmdWorld(t *testing.T) *usersCmdWorld {
	t.Helper()
	e := newSQLiteEnv(t)
	w := &usersCmdWorld{e: e}
	partner := e.id("id", "admin", "partner", "create", "--name", "Users CLI MSP")
	w.customer = e.id("id", "admin", "customer", "create", "--partner", partner, "--organization", "Fabrikam")
	w.tenant = e.id("id", "admin", "tenant", "create", "--customer", w.customer, "--name", "fabrikam.onmicrosoft.com")
	records := makeUsers(11, 2400, "fabrikam.com")
	for i, v := range []string{"=HYPERLINK(\"http://evil.example\")", "+386 1 234 5678", "-Ops", "@lead", "'quoted", "comma, \"quote\""} {
		r := &records[i]
		r.DisplayName, r.Mobile, r.Department = v, v, v
		r.Status |= 1 << secusers.HighRisk
	}
	e.json("import", "users", "--tenant", w.tenant, "--file", writeFile(t, "users.jsonl", jsonLines(t, records)))
	w.clientID = e.id("clientId", "admin", "app", "create", "--partner", partner, "--name", "Users CLI",
		"--permissions", "partner.um.user.read.all")
	w.secret = e.id("clientSecret", "admin", "app", "secret", "add", "--app", w.clientID, "--years", "1")
	w.srv = e.serve()
	return w
}

// exported returns the tenant's security users as `secusers export users`
// writes them, in the store's (the API's) order, as the list command must
// show them.
func (w *usersCmdWorld) exported(t *testing.T) []listedUser {
	t.Helper()
	stdout, stderr, code := w.e.run(nil, "export", "users", "--tenant", w.tenant)
	if code != 0 {
		t.Fatalf("export users: exit %d: %s", code, stderr)
	}
	var out []listedUser
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		if r.Status == 0 {
			continue
		}
		out = append(out, listedUser{
			ID: r.ID, UserPrincipalName: r.UserPrincipalName, Mail: r.Mail, DisplayName: r.DisplayName,
			FirstName: r.FirstName, LastName: r.LastName, EmployeeID: r.EmployeeID, Location: r.Location,
			Department: r.Department, Mobile: r.Mobile, JobTitle: r.JobTitle, Status: r.Status,
			IsTestUser: r.IsTestUser, Age: ageDays(r.LastPasswordChangeDateTime), StartDate: r.StartDate,
			EndDate: r.EndDate, OfficePhone: r.OfficePhone, Company: r.Company, CountryRegion: r.CountryRegion,
		})
	}
	if len(out) < 1000 {
		t.Fatalf("the export has %d security users, want the import's", len(out))
	}
	return out
}

// usersArgs returns `users SUB` with the world's API, customer, tenant
// and client id; the secret goes on stdin ("--client-secret -").
func (w *usersCmdWorld) usersArgs(sub string, extra ...string) []string {
	return append([]string{"users", sub, "--api", w.srv.base, "--customer", w.customer, "--tenant", w.tenant,
		"--client-id", w.clientID, "--client-secret", "-"}, extra...)
}

// list runs a users command that must succeed, with nothing on stderr
// (no terminal there, so no progress bar), and returns its stdout.
func (w *usersCmdWorld) list(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := w.e.run(strings.NewReader(w.secret+"\n"), args...)
	if code != 0 || stderr != "" {
		t.Fatalf("secusers %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// compareListed compares the listed users with the export's, field by
// field; the password age, computed at response time, may be a day off
// around midnight.
func compareListed(t *testing.T, form string, want, got []listedUser) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d users, want %d", form, len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if d := g.Age - want[i].Age; d >= -1 && d <= 1 {
			g.Age = want[i].Age
		}
		if diff := cmp.Diff(want[i], g); diff != "" {
			t.Fatalf("%s: user %d (-export +list):\n%s", form, i, diff)
		}
	}
}

func TestUsersListCSVAndJSONMatchTheStore(t *testing.T) {
	t.Parallel()
	w := newUsersCmdWorld(t)
	want := w.exported(t)

	var fromJSON []listedUser
	out := w.list(t, w.usersArgs("list", "--all", "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &fromJSON); err != nil {
		t.Fatalf("-o json is not one JSON array: %v", err)
	}
	compareListed(t, "json", want, fromJSON)

	out = w.list(t, w.usersArgs("list", "--all", "--page-size", "333", "-o", "csv")...)
	compareListed(t, "csv", want, parseUsersCSV(t, out))

	// One page: the users of that page, in order.
	out = w.list(t, w.usersArgs("list", "--page", "3", "--page-size", "50", "-o", "json")...)
	var page []listedUser
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatal(err)
	}
	compareListed(t, "json page 3", want[100:150], page)

	// A filter by name and number: the users with any of the statuses.
	out = w.list(t, w.usersArgs("list", "--all", "--status", "highrisk", "--status", "4", "-o", "json")...)
	var risky []listedUser
	if err := json.Unmarshal([]byte(out), &risky); err != nil {
		t.Fatal(err)
	}
	mask := 1<<secusers.HighRisk | 1<<secusers.MediumRisk
	compareListed(t, "json risky", slices.DeleteFunc(slices.Clone(want), func(u listedUser) bool { return u.Status&mask == 0 }), risky)
}

// parseUsersCSV reads the list command's CSV as a spreadsheet would, then
// undoes the formula guard, and checks the columns that the JSON does not
// have.
func parseUsersCSV(t *testing.T, out string) []listedUser {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("-o csv: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var users []listedUser
	for n, row := range rows[1:] {
		cell := func(name string) string {
			i, ok := col[name]
			if !ok {
				t.Fatalf("-o csv: no column %q in %v", name, rows[0])
			}
			v := row[i]
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				t.Errorf("row %d: %s %q starts a formula", n+1, name, v)
			}
			return strings.TrimPrefix(v, "'") // the guard's one quote
		}
		u := listedUser{
			ID: cell("id"), UserPrincipalName: cell("userPrincipalName"), Mail: cell("mail"), DisplayName: cell("displayName"),
			FirstName: cell("firstName"), LastName: cell("lastName"), EmployeeID: cell("employeeId"), Location: cell("location"),
			Department: cell("department"), Mobile: cell("mobile"), JobTitle: cell("jobTitle"),
			OfficePhone: cell("officePhone"), Company: cell("company"), CountryRegion: cell("countryRegion"),
			StartDate: csvMillis(t, cell("startDate")), EndDate: csvMillis(t, cell("endDate")),
		}
		if u.Status, err = strconv.Atoi(cell("status")); err != nil {
			t.Fatalf("row %d: status %q", n+1, cell("status"))
		}
		if u.IsTestUser, err = strconv.ParseBool(cell("isTestUser")); err != nil {
			t.Fatalf("row %d: isTestUser %q", n+1, cell("isTestUser"))
		}
		if u.Age, err = strconv.ParseInt(cell("age"), 10, 64); err != nil {
			t.Fatalf("row %d: age %q", n+1, cell("age"))
		}
		var names []string
		for _, st := range secusers.StatusSet(u.Status).Statuses() {
			names = append(names, st.String())
		}
		if got, want := cell("statuses"), strings.Join(names, ";"); got != want {
			t.Errorf("row %d: statuses %q, want %q", n+1, got, want)
		}
		users = append(users, u)
	}
	return users
}

// csvMillis reads an RFC 3339 date of the CSV as Unix milliseconds; "" is
// not set, 0.
func csvMillis(t *testing.T, v string) int64 {
	t.Helper()
	if v == "" {
		return 0
	}
	ts, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatalf("date %q is not RFC 3339: %v", v, err)
	}
	return ts.UnixMilli()
}

func TestUsersSummaryMatchesTheStore(t *testing.T) {
	t.Parallel()
	w := newUsersCmdWorld(t)
	users := w.exported(t)
	want := map[string]int64{}
	for _, st := range secusers.AllStatuses() {
		want[st.String()] = 0
	}
	for _, u := range users {
		for _, st := range secusers.StatusSet(u.Status).Statuses() {
			want[st.String()]++
		}
	}
	var got struct {
		Total    int64            `json:"total"`
		Statuses map[string]int64 `json:"statuses"`
	}
	out := w.list(t, w.usersArgs("summary", "-o", "json")...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("summary -o json %q: %v", out, err)
	}
	if got.Total != int64(len(users)) {
		t.Errorf("total: got %d, want %d", got.Total, len(users))
	}
	if diff := cmp.Diff(want, got.Statuses); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	table := w.list(t, w.usersArgs("summary")...)
	for name, n := range want {
		if !strings.Contains(table, name) || !strings.Contains(table, strconv.FormatInt(n, 10)) {
			t.Errorf("the table lacks %s %d:\n%s", name, n, table)
		}
	}
}

func TestUsersCommandFailsInOneLine(t *testing.T) {
	t.Parallel()
	w := newUsersCmdWorld(t)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"wrong secret", "not-the-secret\n", w.usersArgs("list", "--all", "-o", "csv"), "invalid_client"},
		{"unknown customer", w.secret + "\n", append(w.usersArgs("summary"), "--customer", "00000000-0000-4000-8000-000000000000"), "404"},
		{"bad page size", w.secret + "\n", w.usersArgs("list", "--page-size", "5000"), "--page-size"},
		{"no server", w.secret + "\n", append(w.usersArgs("list"), "--api", "http://127.0.0.1:1", "--token-url", "http://127.0.0.1:1/connect/token"), "connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stderr := w.e.fail(strings.NewReader(tc.stdin), tc.args...)
			if !strings.HasPrefix(stderr, "secusers: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q, want a line about %q", stderr, tc.want)
			}
		})
	}
}
