package e2e

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph/fakegraph"
)

// The changes end to end (overview-api.md §4): the real binary syncs a
// tenant from the fake Graph, the fake advances a "day" (statuses change,
// users appear and are deleted), the binary syncs again, and the changes
// API must list exactly what the rules say changed, user by user; the same
// for two imports. A poller that follows nextLink and then deltaLink reads
// each change once.

// apiChange is what the test reads of a change.
type apiChange struct {
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	UserID   string `json:"userId"`
	Status   int    `json:"status"`
	Name     string `json:"name"`
	Change   string `json:"change"`
}

// changeKey is a change as the test compares it.
type changeKey struct {
	UserID string
	Status int
	Change string
}

// changesPath is the tenant's changes endpoint.
func changesPath(customerID, tenantID string) string {
	return "/partner/external/v3/um/customers/" + customerID + "/tenants/" + tenantID + "/overview/security/changes"
}

// expectedChanges returns what a replacement from before to after records:
// per user (ids lower-case), each status bit added or removed.
func expectedChanges(before, after map[string]int) []changeKey {
	var out []changeKey
	ids := map[string]bool{}
	for id := range before {
		ids[id] = true
	}
	for id := range after {
		ids[id] = true
	}
	for id := range ids {
		was, is := before[id], after[id]
		for bit := range 9 {
			switch {
			case is&(1<<bit) != 0 && was&(1<<bit) == 0:
				out = append(out, changeKey{id, bit, "added"})
			case was&(1<<bit) != 0 && is&(1<<bit) == 0:
				out = append(out, changeKey{id, bit, "removed"})
			}
		}
	}
	return sortChanges(out)
}

func sortChanges(cs []changeKey) []changeKey {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.UserID != b.UserID {
			return a.UserID < b.UserID
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		return a.Change < b.Change
	})
	return cs
}

// poller reads a changes endpoint as a client would: from since, then
// every nextLink, keeping the deltaLink to resume from.
type poller struct {
	t     *testing.T
	c     *client
	token string
	next  string // where the next poll starts
	seen  map[string]bool
}

func newPoller(t *testing.T, c *client, token, path string, since time.Time) *poller {
	return &poller{t: t, c: c, token: token, next: path + "?pageSize=7&since=" + url.QueryEscape(since.UTC().Format(time.RFC3339)),
		seen: map[string]bool{}}
}

// poll reads every page from where the last poll ended and returns the
// changes, checking that none repeats one read before and that the last
// page has a deltaLink.
func (p *poller) poll() []apiChange {
	p.t.Helper()
	var out []apiChange
	for target := p.next; ; {
		resp, body := p.c.get(p.token, target)
		if resp.StatusCode != 200 {
			p.t.Fatalf("GET %s: %d %s", target, resp.StatusCode, body)
		}
		var page struct {
			Data      []apiChange `json:"data"`
			NextLink  string      `json:"nextLink"`
			DeltaLink string      `json:"deltaLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			p.t.Fatalf("GET %s: %v in %s", target, err, body)
		}
		for _, c := range page.Data {
			if p.seen[c.ID] {
				p.t.Fatalf("change %s read twice", c.ID)
			}
			p.seen[c.ID] = true
		}
		out = append(out, page.Data...)
		switch {
		case page.NextLink != "" && page.DeltaLink == "":
			target = page.NextLink
		case page.DeltaLink != "" && page.NextLink == "":
			p.next = page.DeltaLink
			return out
		default:
			p.t.Fatalf("GET %s: want either nextLink or deltaLink, got %q and %q", target, page.NextLink, page.DeltaLink)
		}
	}
}

func keysOf(t *testing.T, changes []apiChange, tenant string) []changeKey {
	t.Helper()
	out := make([]changeKey, len(changes))
	for i, c := range changes {
		if c.TenantID != tenant {
			t.Errorf("change %s is of tenant %s, want %s", c.ID, c.TenantID, tenant)
		}
		out[i] = changeKey{strings.ToLower(c.UserID), c.Status, c.Change}
	}
	return sortChanges(out)
}

func TestSyncChangesDayByDay(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := newSyncWorld(t, e)
	gt, fake := graphTenant(t, 31, syncUsers)
	w.connect(w.tenant, gt, fake)
	start := time.Now().Add(-time.Minute)
	w.sync(w.tenant)
	s := e.serve("--sync-interval", "0")
	c := newClient(t, s)
	p := newPoller(t, c, c.token(w.appID, w.appSecret), changesPath(w.customer, w.tenant), start)
	if first := p.poll(); len(first) != 0 {
		t.Fatalf("changes after the tenant's first sync: got %d, want none", len(first))
	}
	before := wantStatuses(gt, w.lastRun(w.tenant).StartedAt, 0)
	for day := int64(1); day <= 2; day++ {
		next := gt.AdvanceDay(fakegraph.DayOptions{Seed: day, Changed: 12, Appeared: 5, Deleted: 7, At: time.Now().Add(-time.Hour)})
		fake.SetTenant(next)
		w.sync(w.tenant)
		after := wantStatuses(next, w.lastRun(w.tenant).StartedAt, 0)
		want := expectedChanges(before, after)
		if len(want) == 0 {
			t.Fatalf("day %d changes nothing by the rules: the test proves nothing", day)
		}
		if diff := cmp.Diff(want, keysOf(t, p.poll(), w.tenant)); diff != "" {
			t.Errorf("day %d: changes (-rules +API):\n%s", day, diff)
		}
		w.checkStatuses(s, w.tenant, next, 0)
		gt, before = next, after
	}
	// An unchanged tenant synced again has no changes to tell.
	w.sync(w.tenant)
	if again := p.poll(); len(again) != 0 {
		t.Errorf("changes after a sync that changed nothing: got %+v, want none", again)
	}
}

func TestImportChanges(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := newSyncWorld(t, e)
	users := makeUsers(5, 120, "fabrikam.com")
	start := time.Now().Add(-time.Minute)
	e.json("import", "users", "--tenant", w.tenant, "--file", writeFile(t, "day0.jsonl", jsonLines(t, users)))
	s := e.serve("--sync-interval", "0")
	c := newClient(t, s)
	p := newPoller(t, c, c.token(w.appID, w.appSecret), changesPath(w.customer, w.tenant), start)
	if first := p.poll(); len(first) != 0 {
		t.Fatalf("changes after the tenant's first import: got %d, want none", len(first))
	}
	statuses := func(records []record) map[string]int {
		out := map[string]int{}
		for _, r := range records {
			if r.Status != 0 {
				out[strings.ToLower(r.ID)] = r.Status
			}
		}
		return out
	}
	// A day later: some statuses change, some users go, some come.
	next := append([]record(nil), users[10:]...)
	for i := range next[:30] {
		next[i].Status ^= 1 << (i % 8)
	}
	next = append(next, makeUsers(6, 8, "fabrikam.com")...)
	e.json("import", "users", "--tenant", w.tenant, "--file", writeFile(t, "day1.jsonl", jsonLines(t, next)))
	if diff := cmp.Diff(expectedChanges(statuses(users), statuses(next)), keysOf(t, p.poll(), w.tenant)); diff != "" {
		t.Errorf("changes of an import (-want +API):\n%s", diff)
	}
	// The same file again changes nothing.
	e.json("import", "users", "--tenant", w.tenant, "--file", writeFile(t, "day1-again.jsonl", jsonLines(t, next)))
	if again := p.poll(); len(again) != 0 {
		t.Errorf("changes after importing the same users again: got %+v, want none", again)
	}
}
