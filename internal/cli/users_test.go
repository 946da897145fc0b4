package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/client"
	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/server"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// world is a real server on a store with the demo's entities, and a tenant
// whose users carry the cells a CSV must defuse.
type world struct {
	url   string
	res   demo.Result
	users []secusers.User // the tenant's security users, in the API's order
	store secusers.Store
}

// hostile are display names and phone numbers that a spreadsheet would run
// as formulas, or that break a table.
var hostile = []string{"=HYPERLINK(\"http://evil\")", "+1 555 0100", "-2+3", "@SUM(A1)", "'quoted", "\ttab", "new\nline", "comma, \"quote\""}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "users.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	res, err := demo.Ensure(ctx, st, time.Now(), demo.Config{Users: 1})
	if err != nil {
		t.Fatal(err)
	}
	users := demo.Users(7, 700, demo.Domain)
	for i, h := range hostile {
		users[i].DisplayName, users[i].Mobile, users[i].Status = h, h, secusers.StatusSetOf(secusers.HighRisk)
		users[i].IsTestUser = false
	}
	users[len(hostile)].StartDate, users[len(hostile)].EndDate = 1767225600123, 1767312000000
	users[len(hostile)].Status = secusers.StatusSetOf(secusers.MFADisabled, secusers.TestUser)
	users[len(hostile)].IsTestUser = true
	if _, err := st.ReplaceUsers(ctx, res.TenantID, seqOf(users)); err != nil {
		t.Fatal(err)
	}
	w := &world{res: res, store: st}
	for u, err := range st.Users(ctx, res.TenantID) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != 0 {
			w.users = append(w.users, u)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	srv := server.New(server.Config{Addr: "127.0.0.1:0", Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.Listen(sctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	t.Cleanup(func() { cancel(); <-done })
	w.url = srv.URL()
	return w
}

func seqOf(users []secusers.User) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// run runs `users ARGS` as the secusers command does, with the world's API
// and credentials in the environment, and returns stdout, stderr and the
// command's error (which Run would print through errorLine).
func (w *world) run(t *testing.T, stdin string, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	return w.runAs(t, stdin, vars, append(args, "--customer", w.res.CustomerID, "--tenant", w.res.TenantID)...)
}

// runAs is run without the world's --customer and --tenant.
func (w *world) runAs(t *testing.T, stdin string, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	base := map[string]string{envAPI: w.url, envClientID: w.res.ClientID, envClientSecret: w.res.ClientSecret}
	for k, v := range vars {
		base[k] = v
	}
	var stdout, stderr bytes.Buffer
	e := newEnv(strings.NewReader(stdin), &stdout, &stderr, func(k string) string { return base[k] })
	err := e.execute(context.Background(), append([]string{"users"}, args...))
	return stdout.String(), stderr.String(), err
}

func (w *world) ids() []string {
	out := make([]string, len(w.users))
	for i, u := range w.users {
		out[i] = u.ID
	}
	return out
}

func TestList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	t.Run("json --all", func(t *testing.T) {
		out, stderr, err := w.run(t, "", nil, "list", "--all", "--page-size", "37", "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		if stderr != "" {
			t.Errorf("stderr %q, want nothing (no terminal, no progress bar)", stderr)
		}
		var got []client.User
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("stdout is not one JSON array: %v", err)
		}
		ids := make([]string, len(got))
		for i, u := range got {
			ids[i] = u.ID
		}
		if diff := cmp.Diff(w.ids(), ids); diff != "" {
			t.Errorf("ids (-store +output):\n%s", diff)
		}
	})
	t.Run("csv --all", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "list", "--all", "-o", "csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], csvHeader) || len(rows) != len(w.users)+1 {
			t.Fatalf("got header %v and %d rows, want %d", rows[0], len(rows)-1, len(w.users))
		}
		col := func(name string) int { return slices.Index(csvHeader, name) }
		for i, u := range w.users {
			r := rows[i+1]
			if unsafeCell(r[col("displayName")]) != u.DisplayName || unsafeCell(r[col("mobile")]) != u.Mobile {
				t.Errorf("row %d: displayName %q, mobile %q, want %q, %q", i, r[col("displayName")], r[col("mobile")], u.DisplayName, u.Mobile)
			}
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("row %d: cell %q would run as a formula", i, cell)
				}
			}
			if n, _ := strconv.Atoi(r[col("status")]); n != int(u.Status) || r[col("statuses")] != client.StatusSet(u.Status).Join(";") {
				t.Errorf("row %d: status %s / %s, want %d", i, r[col("status")], r[col("statuses")], u.Status)
			}
			if u.StartDate != 0 && r[col("startDate")] != time.UnixMilli(u.StartDate).UTC().Format(time.RFC3339Nano) {
				t.Errorf("row %d: startDate %q, want %d ms", i, r[col("startDate")], u.StartDate)
			}
			if u.StartDate == 0 && r[col("startDate")] != "" {
				t.Errorf("row %d: startDate %q, want empty", i, r[col("startDate")])
			}
		}
	})
	t.Run("table, one page, statuses", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "list", "--status", "highrisk", "--status", "0,TestUser", "--page-size", "5")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 7 || !strings.HasPrefix(lines[0], "DISPLAY NAME") || !strings.HasPrefix(lines[6], "Page 1 of ") {
			t.Fatalf("got\n%s\nwant a header, 5 users and the page line", out)
		}
		if strings.ContainsAny(out, "\t\r") || strings.Contains(out, "new\nline") {
			t.Errorf("the table holds control characters:\n%q", out)
		}
	})
	t.Run("json one page past the end", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "list", "--page", "1000", "-o", "json")
		if err != nil || out != "[]\n" {
			t.Errorf("got %q, %v, want an empty array", out, err)
		}
	})
	t.Run("json --all past the end", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "list", "--all", "--page", "1000", "-o", "json")
		if err != nil || out != "[]\n" {
			t.Errorf("got %q, %v, want an empty array", out, err)
		}
	})
	t.Run("csv past the end", func(t *testing.T) {
		out, _, err := w.run(t, "", nil, "list", "--page", "1000", "-o", "csv")
		if err != nil || out != strings.Join(csvHeader, ",")+"\n" {
			t.Errorf("got %q, %v, want the header alone", out, err)
		}
	})
}

// A listing cut off midway fails with the first page written and its
// JSON array closed, so that only the exit status tells it is incomplete:
// behind a proxy the server's nextLink names the server itself, which the
// SDK refuses after the first page.
func TestListCutOffMidway(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	target, err := url.Parse(w.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	defer proxy.Close()
	vars := map[string]string{envAPI: proxy.URL}
	out, _, err := w.run(t, "", vars, "list", "--all", "--page-size", "5", "-o", "json")
	if !errors.Is(err, client.ErrForeignNextLink) {
		t.Fatalf("got %v, want ErrForeignNextLink", err)
	}
	var users []client.User
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 5 || !strings.HasSuffix(out, "\n]\n") {
		t.Errorf("stdout %q (%v), want a closed array of the first page's 5 users", out, err)
	}
	out, _, err = w.run(t, "", vars, "list", "--all", "--page-size", "5", "-o", "csv")
	rows, cerr := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err == nil || cerr != nil || len(rows) != 6 {
		t.Errorf("got %d rows (%v) and %v, want a header, 5 rows and an error", len(rows), cerr, err)
	}
}

// What the server at --api writes reaches the terminal only made
// printable: in a token error, an API error, or a page the SDK cannot read.
func TestErrorsArePrintable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// JSON escapes of a screen clear, an OSC 8 link and a bidi override.
	const hostile = `\u001b[2J\u001b]8;;http://evil\u0007x\u202eevil`
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/bad-token/connect/token":
			rw.WriteHeader(http.StatusBadRequest)
			io.WriteString(rw, `{"error":"invalid_client","error_description":"`+hostile+`"}`)
		case strings.HasSuffix(r.URL.Path, "/connect/token"):
			io.WriteString(rw, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`)
		case strings.HasPrefix(r.URL.Path, "/api-error/"):
			rw.WriteHeader(http.StatusForbidden)
			io.WriteString(rw, `{"error":{"code":"Forbidden","message":"`+hostile+`"}}`)
		default:
			io.WriteString(rw, `{"data":[{"id":"`+hostile+`","status":-1}],"metadata":{}}`)
		}
	}))
	defer srv.Close()
	for _, api := range []string{"/bad-token", "/api-error", "/bad-page"} {
		t.Run(api, func(t *testing.T) {
			for _, output := range []string{"table", "json", "csv"} {
				out, _, err := w.run(t, "", map[string]string{envAPI: srv.URL + api}, "list", "-o", output)
				if err == nil {
					t.Fatalf("-o %s: got no error, want one with the server's text", output)
				}
				if line := errorLine(err); hasUnprintable(line) || !strings.Contains(line, "evil") {
					t.Errorf("-o %s: got the line %q, want the server's text made printable", output, line)
				}
				if out != "" {
					t.Errorf("-o %s: stdout %q, want nothing", output, out)
				}
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	out, _, err := w.run(t, "", nil, "summary", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got summaryJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := summaryJSON{Total: int64(len(w.users)), Statuses: map[string]int64{}}
	for _, st := range client.AllStatuses() {
		want.Statuses[st.String()] = 0
	}
	for _, u := range w.users {
		for _, st := range client.StatusSet(u.Status).Statuses() {
			want.Statuses[st.String()]++
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	table, _, err := w.run(t, "", nil, "summary")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "HighRisk") || !strings.Contains(table, "Security users") {
		t.Errorf("table:\n%s", table)
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	noSecret := map[string]string{envClientSecret: ""}
	if _, _, err := w.run(t, w.res.ClientSecret+"\n", noSecret, "summary", "--client-secret", "-"); err != nil {
		t.Errorf("secret from stdin: %v", err)
	}
	if _, _, err := w.run(t, "", noSecret, "summary", "--client-secret", w.res.ClientSecret); err != nil {
		t.Errorf("secret from the flag: %v", err)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		env   map[string]string
		args  []string
		want  string
	}{
		{"wrong secret", "", nil, []string{"list", "--client-secret", "wrong"}, "invalid_client"},
		{"wrong secret, json", "", nil, []string{"list", "--all", "--client-secret", "wrong", "-o", "json"}, "invalid_client"},
		{"wrong secret, csv", "", nil, []string{"list", "--client-secret", "wrong", "-o", "csv"}, "invalid_client"},
		{"no such API, json", "", map[string]string{envAPI: w.url + "/nope"}, []string{"list", "--token-url", w.url + "/connect/token", "-o", "json"}, "404"},
		{"no secret", "", noSecret, []string{"list"}, "credentials are required"},
		{"empty stdin", "", noSecret, []string{"list", "--client-secret", "-"}, "stdin holds no secret"},
		{"no api", "", map[string]string{envAPI: ""}, []string{"list"}, "--api is required"},
		{"bad output", "", nil, []string{"summary", "-o", "csv"}, "-o must be table or json"},
		{"bad status", "", nil, []string{"list", "--status", "Risky"}, `unknown status "Risky"`},
		{"bad page size", "", nil, []string{"list", "--page-size", "1001"}, "--page-size must be"},
		{"secret and certificate", "", map[string]string{envCertFile: "c.pem"}, []string{"list"}, "not both"},
		{"missing certificate", "", map[string]string{envClientSecret: "", envCertFile: "/nonexistent.pem"}, []string{"list"}, "loading the certificate"},
		{"unknown subcommand", "", nil, []string{"lst"}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := w.run(t, tc.stdin, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line about %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestSafeCellRoundTrips(t *testing.T) {
	t.Parallel()
	for _, v := range append(hostile, "", "plain", "'", "''x", "a=b") {
		cell := safeCell(v)
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("safeCell(%q) = %q still starts a formula", v, cell)
		}
		if got := unsafeCell(cell); got != v {
			t.Errorf("unsafeCell(safeCell(%q)) = %q", v, got)
		}
	}
}
