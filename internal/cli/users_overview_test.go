package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/secusers"
)

// allUsers returns every user of the world's tenant, security user or not.
func (w *world) allUsers(t *testing.T) []secusers.User {
	t.Helper()
	var out []secusers.User
	for u, err := range w.store.Users(context.Background(), w.res.TenantID) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// nextDay replaces the world's users with a later day's: the hostile-named
// users and a few others gain Inactive or lose HighRisk, one goes, one
// comes. It returns the changes the API must list, as "userID Status
// change", sorted.
func (w *world) nextDay(t *testing.T, day int) []string {
	t.Helper()
	before := w.allUsers(t)
	var next []secusers.User
	for i, u := range before {
		switch {
		case i == len(before)-1:
			continue // gone
		case i < len(hostile)+4:
			u.Status ^= secusers.StatusSetOf(secusers.Inactive)
			if day%2 == 0 {
				u.Status ^= secusers.StatusSetOf(secusers.HighRisk)
			}
		}
		next = append(next, u)
	}
	next = append(next, secusers.User{ID: uuid.NewString(), DisplayName: fmt.Sprintf("=New %d", day), Status: secusers.StatusSetOf(secusers.MediumRisk)})
	if _, err := w.store.ReplaceUsers(context.Background(), w.res.TenantID, seqOf(next)); err != nil {
		t.Fatal(err)
	}
	was := map[string]secusers.StatusSet{}
	for _, u := range before {
		was[u.ID] = u.Status
	}
	var want []string
	add := func(id string, old, now secusers.StatusSet) {
		added, removed := secusers.ChangesOf(old, now)
		for _, st := range added.Statuses() {
			want = append(want, id+" "+st.String()+" added")
		}
		for _, st := range removed.Statuses() {
			want = append(want, id+" "+st.String()+" removed")
		}
	}
	present := map[string]bool{}
	for _, u := range next {
		present[u.ID] = true
		add(u.ID, was[u.ID], u.Status)
	}
	for _, u := range before {
		if !present[u.ID] {
			add(u.ID, u.Status, 0)
		}
	}
	slices.Sort(want)
	return want
}

// changesOf decodes changes' -o json output as "userID Status change",
// sorted.
func changesOf(t *testing.T, out string) []string {
	t.Helper()
	var changes []client.Change
	if err := json.Unmarshal([]byte(out), &changes); err != nil {
		t.Fatalf("stdout is not one JSON array of changes: %v\n%s", err, out)
	}
	got := []string{}
	for _, c := range changes {
		got = append(got, c.UserID+" "+c.Status.String()+" "+c.Change())
	}
	slices.Sort(got)
	return got
}

func TestChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	delta := filepath.Join(t.TempDir(), "changes.delta")
	// The first run catches up with the world's own setup, and keeps the
	// deltaLink.
	if _, _, err := w.run(t, "", nil, "changes", "--delta-file", delta, "-o", "json"); err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	time.Sleep(2 * time.Millisecond) // the changes' times are in milliseconds
	want := w.nextDay(t, 1)
	t.Run("json, from the delta file", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "changes", "--delta-file", delta, "--page-size", "7", "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, changesOf(t, out)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		out, _, err = w.run(t, "", nil, "changes", "--delta-file", delta, "-o", "json")
		if err != nil || out != "[]\n" {
			t.Errorf("again from the delta file: got %q, %v; want []", out, err)
		}
		if link, err := os.ReadFile(delta); err != nil || !strings.Contains(string(link), "deltaToken=") {
			t.Errorf("the delta file holds %q (%v), want a deltaLink", link, err)
		}
	})
	sinceArg := since.UTC().Format(time.RFC3339Nano)
	t.Run("json across tenants", func(t *testing.T) {
		for _, args := range [][]string{
			{"--all-tenants"}, {"--all-tenants", "--customer", w.res.CustomerID + "," + uuid.NewString()},
		} {
			out, _, err := w.runAs(t, "", nil, append(append([]string{"changes"}, args...), "--since", sinceArg, "-o", "json")...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, changesOf(t, out)); diff != "" {
				t.Errorf("%v: changes (-want +got):\n%s", args, diff)
			}
		}
		out, _, err := w.runAs(t, "", nil, "changes", "--all-tenants", "--customer", uuid.NewString(), "--since", sinceArg, "-o", "json")
		if err != nil || out != "[]\n" {
			t.Errorf("a customer outside the scope: got %q, %v; want []", out, err)
		}
	})
	t.Run("csv", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "changes", "--since", sinceArg, "-o", "csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], changeCSVHeader) || len(rows) != len(want)+1 {
			t.Fatalf("got header %v and %d rows, want %d", rows[0], len(rows)-1, len(want))
		}
		var got []string
		for _, r := range rows[1:] {
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q would run as a formula", cell)
				}
			}
			got = append(got, unsafeCell(r[4])+" "+r[8]+" "+r[9])
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
	t.Run("table", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "changes", "--since", sinceArg)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if !strings.HasPrefix(lines[0], "TIME") || strings.Contains(lines[0], "TENANT") || lines[len(lines)-1] != fmt.Sprintf("%d changes", len(want)) {
			t.Errorf("got\n%s\nwant a header without TENANT, %d rows and the count", out, len(want))
		}
		if strings.ContainsAny(out, "\t\r") || strings.Contains(out, "new\nline") {
			t.Errorf("the table holds control characters:\n%q", out)
		}
		out, _, err = w.runAs(t, "", nil, "changes", "--all-tenants", "--since", sinceArg)
		if err != nil || !strings.Contains(strings.SplitN(out, "\n", 2)[0], "TENANT") || !strings.Contains(out, w.res.TenantID) {
			t.Errorf("across tenants: got %v and\n%s\nwant a TENANT column", err, out)
		}
	})
}

func TestHistoryCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	today := time.Now().UTC().Format(time.DateOnly)
	out, _, err := w.run(t, "", nil, "history", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got historyJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := historyPointJSON{Date: today, SecurityUsers: int64(len(w.users)), Counts: map[string]int64{}}
	for _, st := range client.AllStatuses() {
		want.Counts[st.String()] = 0
	}
	for _, u := range w.users {
		for _, st := range u.Status.Statuses() {
			want.Counts[st.String()]++
		}
	}
	if diff := cmp.Diff([]historyPointJSON{want}, got.Data); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if got.Metadata.To != today || got.Metadata.From != time.Now().UTC().AddDate(0, 0, 1-client.DefaultHistoryDays).Format(time.DateOnly) {
		t.Errorf("metadata %+v, want the %d days up to %s", got.Metadata, client.DefaultHistoryDays, today)
	}
	out, _, err = w.run(t, "", nil, "history", "--from", today, "--to", today, "-o", "csv")
	rows, cerr := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || cerr != nil || len(rows) != 2 || rows[0][0] != "date" || rows[0][2] != "MFADisabled" || rows[1][0] != today {
		t.Errorf("csv: got %q (%v, %v), want a header and today's row", out, err, cerr)
	}
	out, _, err = w.run(t, "", nil, "history", "--from", "2020-01-01", "--to", "2020-01-31")
	if err != nil || !strings.Contains(strings.SplitN(out, "\n", 2)[0], "DATE") || !strings.HasSuffix(out, "Days with data: 0 of 31 (2020-01-01 to 2020-01-31)\n") {
		t.Errorf("table: got %q, %v; want a header and the days line", out, err)
	}
}

func TestOverviewCommandErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"changes of no tenant", []string{"changes"}, "--customer and --tenant are required, or --all-tenants"},
		{"changes of a customer only", []string{"changes", "--customer", w.res.CustomerID}, "--customer and --tenant are required"},
		{"--all-tenants with --tenant", []string{"changes", "--all-tenants", "--tenant", w.res.TenantID}, "leave out --tenant"},
		{"--group without --all-tenants", []string{"changes", "--group", uuid.NewString(), "--customer", w.res.CustomerID, "--tenant", w.res.TenantID}, "give --all-tenants"},
		{"bad --since", []string{"changes", "--all-tenants", "--since", "yesterday"}, "--since must be"},
		{"bad --page-size", []string{"changes", "--all-tenants", "--page-size", "0"}, "--page-size must be from 1 to 1000"},
		{"bad customer filter", []string{"changes", "--all-tenants", "--customer", "contoso"}, "customerId must be a list"},
		{"delta file in a missing directory", []string{"changes", "--all-tenants", "--delta-file", filepath.Join(dir, "no", "such")}, "--delta-file"},
		{"bad output", []string{"changes", "--all-tenants", "-o", "yaml"}, "-o must be table, json or csv"},
		{"history of no tenant", []string{"history"}, "--customer and --tenant are required"},
		{"bad --from", []string{"history", "--customer", w.res.CustomerID, "--tenant", w.res.TenantID, "--from", "1.1.2026"}, "--from must be a date YYYY-MM-DD"},
		{"--from after --to", []string{"history", "--customer", w.res.CustomerID, "--tenant", w.res.TenantID, "--from", "2026-02-02", "--to", "2026-02-01"}, "must not be after to"},
		{"too many days", []string{"history", "--customer", w.res.CustomerID, "--tenant", w.res.TenantID, "--from", "2020-01-01", "--to", "2026-01-01"}, "at most 400 days"},
		{"history of an unknown tenant", []string{"history", "--customer", w.res.CustomerID, "--tenant", uuid.NewString()}, "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := w.runAs(t, "", nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(errorLine(err), "\n") {
				t.Errorf("got %v, want one line about %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}
