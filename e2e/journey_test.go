package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// world is what the journey sets up through the CLI: two partners, their
// customers, a group, tenants with users, and apps of every scope kind.
type world struct {
	partner1, partner2        string
	cust1, cust2, cust3       string // cust1, cust2 are partner1's; cust3 partner2's
	group2                    string // partner1's group holding cust2
	tenant1, tenant2, tenant3 string // one per customer
	users1, users2            []record
	apps                      map[string]app
}

type app struct{ clientID, secret string }

func setUpWorld(t *testing.T, e *env) *world {
	t.Helper()
	w := &world{apps: map[string]app{}}
	w.partner1 = e.id("id", "admin", "partner", "create", "--name", "Contoso MSP")
	w.partner2 = e.id("id", "admin", "partner", "create", "--name", "Northwind MSP")
	w.cust1 = e.id("id", "admin", "customer", "create", "--partner", w.partner1, "--organization", "Fabrikam")
	// An explicit id in upper case is stored in its canonical lower case.
	w.cust2 = e.id("id", "admin", "customer", "create", "--partner", w.partner1, "--organization", "Tailspin", "--id", "9C3A6A0E-5B1D-4B8E-9F0A-1D2C3B4A5F60")
	if w.cust2 != "9c3a6a0e-5b1d-4b8e-9f0a-1d2c3b4a5f60" {
		t.Errorf("customer id %q, want the canonical lower-case form", w.cust2)
	}
	w.cust3 = e.id("id", "admin", "customer", "create", "--partner", w.partner2, "--organization", "Litware")
	w.group2 = e.id("id", "admin", "group", "create", "--partner", w.partner1, "--name", "Retail", "--customers", w.cust2)
	w.tenant1 = e.id("id", "admin", "tenant", "create", "--customer", w.cust1, "--name", "fabrikam.onmicrosoft.com")
	w.tenant2 = e.id("id", "admin", "tenant", "create", "--customer", w.cust2, "--name", "tailspin.onmicrosoft.com")
	w.tenant3 = e.id("id", "admin", "tenant", "create", "--customer", w.cust3, "--name", "litware.onmicrosoft.com")

	w.users1 = makeUsers(1, 2600, "fabrikam.com")
	out := e.json("import", "users", "--tenant", w.tenant1, "--file", writeFile(t, "t1.jsonl", jsonLines(t, w.users1)))
	if got := out["users"]; got != float64(len(w.users1)) {
		t.Errorf("import reported %v users, want %d", got, len(w.users1))
	}
	// The second tenant's users come on standard input.
	w.users2 = makeUsers(2, 300, "tailspin.com")
	if _, stderr, code := e.run(bytes.NewReader(jsonLines(t, w.users2)), "import", "users", "--tenant", w.tenant2, "--file", "-"); code != 0 {
		t.Fatalf("import from stdin: exit %d: %s", code, stderr)
	}
	e.json("import", "users", "--tenant", w.tenant3, "--file", writeFile(t, "t3.jsonl", jsonLines(t, makeUsers(3, 50, "litware.com"))))

	newApp := func(name, partner string, flags ...string) {
		args := append([]string{"admin", "app", "create", "--partner", partner, "--name", name}, flags...)
		id := e.id("clientId", args...)
		secret := e.id("clientSecret", "admin", "app", "secret", "add", "--app", id, "--years", "1")
		w.apps[name] = app{id, secret}
	}
	read := "partner.um.user.read.all"
	newApp("all", w.partner1, "--permissions", read)
	newApp("cust1", w.partner1, "--permissions", read, "--customers", w.cust1)
	newApp("group2", w.partner1, "--permissions", read, "--groups", w.group2)
	newApp("noperm", w.partner1, "--permissions", "partner.customer.read.all")
	newApp("other", w.partner2, "--permissions", read+",partner.customer.read.all")
	return w
}

func TestPartnerJourneySQLite(t *testing.T) {
	t.Parallel()
	testPartnerJourney(t, newSQLiteEnv(t))
}

func testPartnerJourney(t *testing.T, e *env) {
	w := setUpWorld(t, e)
	s := e.serve()
	c := newClient(t, s)
	tokens := map[string]string{}
	for name, a := range w.apps {
		tokens[name] = c.token(a.clientID, a.secret)
	}

	t.Run("access matrix", func(t *testing.T) {
		c := newClient(t, s)
		cells := []struct {
			app, customer, tenant string
			want                  int
		}{
			{"all", w.cust1, w.tenant1, 200},
			{"all", w.cust2, w.tenant2, 200},
			{"all", w.cust1, w.tenant2, 404}, // tenant of another customer
			{"all", w.cust3, w.tenant3, 404}, // another partner's customer
			{"cust1", w.cust1, w.tenant1, 200},
			{"cust1", w.cust2, w.tenant2, 403},
			{"group2", w.cust2, w.tenant2, 200},
			{"group2", w.cust1, w.tenant1, 403},
			{"noperm", w.cust1, w.tenant1, 403},
			{"other", w.cust3, w.tenant3, 200},
			{"other", w.cust1, w.tenant1, 404},
			{"", w.cust1, w.tenant1, 401},
		}
		for _, cell := range cells {
			resp, body := c.get(tokens[cell.app], usersPath(cell.customer, cell.tenant))
			if resp.StatusCode != cell.want {
				t.Errorf("app %q on customer %s tenant %s: got %d, want %d: %s", cell.app, cell.customer, cell.tenant, resp.StatusCode, cell.want, body)
			}
		}
		resp, _ := c.get("not-a-jwt", usersPath(w.cust1, w.tenant1))
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("garbage token: got %d %q, want 401 with invalid_token", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})

	t.Run("every page by pageIndex", func(t *testing.T) {
		c := newClient(t, s)
		want := expectedIDs(w.users1, 0)
		var got []string
		for i := 1; ; i++ {
			p := getPage(t, c, tokens["all"], usersPath(w.cust1, w.tenant1)+fmt.Sprintf("?pageIndex=%d&pageSize=97", i))
			if p.Metadata.TotalCount != int64(len(want)) || p.Metadata.PageIndex != i || p.Metadata.PageSize != 97 {
				t.Fatalf("page %d metadata %+v, want totalCount %d", i, p.Metadata, len(want))
			}
			if len(p.Data) == 0 {
				break
			}
			got = append(got, ids(p)...)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("users by pageIndex (-want +got):\n%s", diff)
		}
	})

	t.Run("every page by nextLink", func(t *testing.T) {
		c := newClient(t, s)
		for _, tc := range []struct {
			query string
			mask  int
		}{
			{"?pageSize=250", 0},
			{"?PageSize=40&status=HighRisk&STATUS=4", 1<<3 | 1<<4},
			{"?status=0,7&pageSize=1000", 1<<0 | 1<<7},
		} {
			want := expectedIDs(w.users1, tc.mask)
			var got []string
			next := usersPath(w.cust1, w.tenant1) + tc.query
			for pages := 0; next != ""; pages++ {
				if pages > len(want)+1 {
					t.Fatalf("%s: nextLink does not end", tc.query)
				}
				p := getPage(t, c, tokens["all"], next)
				got = append(got, ids(p)...)
				if p.NextLink != "" && !strings.HasPrefix(p.NextLink, s.base+"/partner/") {
					t.Fatalf("nextLink %q is not an absolute URL on the same path", p.NextLink)
				}
				next = p.NextLink
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: users by nextLink (-want +got):\n%s", tc.query, diff)
			}
		}
	})

	t.Run("fields as imported", func(t *testing.T) {
		c := newClient(t, s)
		byID := map[string]record{}
		for _, r := range w.users1 {
			byID[r.ID] = r
		}
		p := getPage(t, c, tokens["all"], "/external/v3/um/customers/"+strings.ToUpper(w.cust1)+"/tenants/"+w.tenant1+"/overview/security/users/batch?pageSize=1000")
		for _, u := range p.Data {
			r := byID[u["id"].(string)]
			want := map[string]any{
				"id": r.ID, "userPrincipalName": r.UserPrincipalName, "mail": r.Mail, "displayName": r.DisplayName,
				"firstName": r.FirstName, "lastName": r.LastName, "employeeId": r.EmployeeID, "location": r.Location,
				"department": r.Department, "mobile": r.Mobile, "jobTitle": r.JobTitle, "status": float64(r.Status),
				"isTestUser": r.IsTestUser,
				"startDate":  float64(r.StartDate), "endDate": float64(r.EndDate), "officePhone": r.OfficePhone,
				"company": r.Company, "countryRegion": r.CountryRegion,
			}
			// age is derived at response time; a day may turn between the
			// server's reading of the clock and the test's.
			age, _ := u["age"].(float64)
			if wantAge := ageDays(r.LastPasswordChangeDateTime); int64(age) != wantAge && int64(age) != wantAge-1 {
				t.Errorf("user %s: age %v, want %d", r.ID, age, wantAge)
			}
			delete(u, "age")
			if diff := cmp.Diff(want, u); diff != "" {
				t.Fatalf("user %s (-want +got):\n%s", r.ID, diff)
			}
		}
	})

	t.Run("bad import changes nothing", func(t *testing.T) {
		c := newClient(t, s)
		before := getPage(t, c, tokens["all"], usersPath(w.cust1, w.tenant1)+"?pageSize=5")
		lines := strings.SplitAfter(string(jsonLines(t, makeUsers(9, 10, "x.com"))), "\n")
		lines[6] = `{"id":"not-a-guid","displayName":"Broken"}` + "\n"
		msg := e.fail(nil, "import", "users", "--tenant", w.tenant1, "--file", writeFile(t, "bad.jsonl", []byte(strings.Join(lines, ""))))
		if !strings.Contains(msg, "line 7") {
			t.Errorf("error %q does not name line 7", msg)
		}
		after := getPage(t, c, tokens["all"], usersPath(w.cust1, w.tenant1)+"?pageSize=5")
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("a failed import changed the tenant (-before +after):\n%s", diff)
		}
	})

	t.Run("export round-trips", func(t *testing.T) {
		out, stderr, code := e.run(nil, "export", "users", "--tenant", w.tenant2)
		if code != 0 {
			t.Fatalf("export: exit %d: %s", code, stderr)
		}
		got := map[string]record{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r record
			dec := json.NewDecoder(strings.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("export line %q: %v", line, err)
			}
			got[r.ID] = r
		}
		want := map[string]record{}
		for _, r := range w.users2 {
			want[r.ID] = r
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("export differs from the import (-want +got):\n%s", diff)
		}
	})

	// Last: it revokes an app. A running server must refuse its token
	// within seconds, though the token has not expired.
	t.Run("disabled app is refused", func(t *testing.T) {
		c := newClient(t, s)
		e.json("admin", "app", "disable", "--app", w.apps["cust1"].clientID)
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, _ := c.get(tokens["cust1"], usersPath(w.cust1, w.tenant1))
			if resp.StatusCode == http.StatusUnauthorized {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a disabled app's token still gets %d after 10s", resp.StatusCode)
			}
			time.Sleep(200 * time.Millisecond)
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {w.apps["cust1"].clientID}, "client_secret": {w.apps["cust1"].secret}}
		req, _ := http.NewRequest(http.MethodPost, s.base+"/connect/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resp, body := c.do(req); resp.StatusCode == http.StatusOK {
			t.Errorf("a disabled app got a new token: %s", body)
		}
	})
}

func getPage(t *testing.T, c *client, token, target string) page {
	t.Helper()
	resp, body := c.get(token, target)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, resp.StatusCode, body)
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return p
}

func ids(p page) []string {
	out := make([]string, len(p.Data))
	for i, u := range p.Data {
		out[i] = u["id"].(string)
	}
	return out
}

// ageDays is the password age the endpoint must report now.
func ageDays(lastChange string) int64 {
	if lastChange == "" {
		return 0
	}
	ts, err := time.Parse(time.RFC3339, lastChange)
	if err != nil {
		return -1
	}
	return int64(time.Since(ts) / (24 * time.Hour))
}
