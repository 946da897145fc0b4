package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/cli"
	"github.com/secusers/secusers/internal/graph/fakegraph"
)

const (
	graphClientID = "5d1a9c3e-8f2b-4c6d-9e0a-7b3f1c2d4e5f"
	graphSecret   = "cli8Q~not-a-real-client-secret"
)

// fakeGraph serves a generated tenant of n users for graphClientID.
func fakeGraph(t *testing.T, n int) (*fakegraph.Tenant, *fakegraph.Server, string) {
	t.Helper()
	gt := fakegraph.Generate(21, n, time.Now(), fakegraph.GenerateOptions{})
	fake := fakegraph.NewServer(gt)
	fake.RegisterSecret(graphClientID, graphSecret)
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	return gt, fake, hs.URL
}

// newTenant creates a partner, customer and tenant and returns the
// customer's and the tenant's ids.
func newTenant(t *testing.T, db []string) (string, string) {
	t.Helper()
	p := createdID(t, db, "admin", "partner", "create", "--name", "P")
	c := createdID(t, db, "admin", "customer", "create", "--partner", p, "--organization", "C")
	return c, createdID(t, db, "admin", "tenant", "create", "--customer", c, "--name", "T")
}

func TestConnectRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	_, tid := newTenant(t, db)
	base := []string{"admin", "tenant", "connect", "--tenant", tid, "--entra-tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--client-id", graphClientID}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"at least one of the flags in the group [client-secret cert-file] is required", nil},
		{"if any flags in the group [client-secret cert-file] are set none of the others can be", []string{"--client-secret", "s", "--cert-file", "c.pem", "--key-file", "k.pem"}},
		{"if any flags in the group [cert-file key-file] are set they must all be set", []string{"--cert-file", "c.pem"}},
		{"--cert-file: open " + missing, []string{"--cert-file", missing, "--key-file", missing}},
		{"--inactive-days must be 1 to 36500, got 0", []string{"--client-secret", "s", "--inactive-days", "0"}},
		{"--client-id must be a GUID", []string{"--client-secret", "s", "--client-id", "app"}},
		{"--entra-tenant-id must be a GUID", []string{"--client-secret", "s", "--entra-tenant-id", "contoso.com"}},
		{`Graph URL "graph.microsoft.com": want an absolute http(s) URL`, []string{"--client-secret", "s", "--graph-url", "graph.microsoft.com"}},
		{"--client-secret -: standard input holds no secret", []string{"--client-secret", "-"}},
	} {
		fails(t, "", tc.want, append(append(append([]string{}, base...), tc.args...), db...)...)
	}
	if _, err := os.Stat(db[1] + ".key"); err == nil {
		t.Error("a refused connect created the key file")
	}
	fails(t, "", "tenant 11111111-1111-4111-8111-111111111111 not found",
		append([]string{"admin", "tenant", "connect", "--tenant", "11111111-1111-4111-8111-111111111111",
			"--entra-tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--client-id", graphClientID, "--client-secret", "s"}, db...)...)
}

func TestConnectSyncAndList(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	cid, tid := newTenant(t, db)
	gt, _, url := fakeGraph(t, 400)

	// Not connected yet.
	fails(t, "", "admin tenant connect", append([]string{"sync", "--tenant", tid}, db...)...)

	// The secret comes on stdin, and appears in no output.
	r := run(t, graphSecret+"\n", append([]string{"admin", "tenant", "connect", "--tenant", tid, "--entra-tenant-id", gt.EntraTenantID,
		"--client-id", graphClientID, "--client-secret", "-", "--graph-url", url, "--login-url", url, "-o", "json"}, db...)...)
	if r.code != 0 || r.stdout != `{"id":"`+tid+`"}`+"\n" {
		t.Fatalf("connect: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	info, err := os.Stat(db[1] + ".key")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the key file beside the database: %v, %v; want mode 0600", info, err)
	}

	var out struct {
		TenantID      string `json:"tenantId"`
		Users         int    `json:"users"`
		SecurityUsers int    `json:"securityUsers"`
		Unavailable   []any  `json:"unavailable"`
		DurationMS    int64  `json:"durationMs"`
	}
	ok(t, db, &out, "sync", "--tenant", tid)
	if out.TenantID != tid || out.Users < 400 || out.SecurityUsers == 0 || out.Unavailable == nil {
		t.Errorf("sync: %+v", out)
	}
	table := run(t, "", append([]string{"sync", "--tenant", tid}, db...)...)
	if table.code != 0 || !regexp.MustCompile(`^Synced tenant \S+ in \S+: \d+ users, \d+ security users\.\n$`).MatchString(table.stdout) {
		t.Errorf("sync as a table: exit %d, stdout %q, stderr %q", table.code, table.stdout, table.stderr)
	}

	list := run(t, "", append([]string{"admin", "tenant", "list", "--customer", cid, "-o", "json"}, db...)...)
	var tenants struct {
		Tenants []struct {
			ID         string `json:"id"`
			Connection struct {
				EntraTenantID string `json:"entraTenantId"`
				InactiveDays  int    `json:"inactiveDays"`
			} `json:"connection"`
			LastSync struct {
				Result        string    `json:"result"`
				StartedAt     time.Time `json:"startedAt"`
				Users         int       `json:"users"`
				SecurityUsers int       `json:"securityUsers"`
			} `json:"lastSync"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(list.stdout), &tenants); err != nil || len(tenants.Tenants) != 1 {
		t.Fatalf("tenant list: %q, %v", list.stdout, err)
	}
	tn := tenants.Tenants[0]
	if tn.Connection.EntraTenantID != gt.EntraTenantID || tn.Connection.InactiveDays != 90 ||
		tn.LastSync.Result != "succeeded" || tn.LastSync.Users != out.Users || tn.LastSync.SecurityUsers != out.SecurityUsers {
		t.Errorf("tenant list shows %+v", tn)
	}
	table = run(t, "", append([]string{"admin", "tenant", "list"}, db...)...)
	if !strings.Contains(table.stdout, "LAST SYNC") || !strings.Contains(table.stdout, "succeeded") {
		t.Errorf("tenant list as a table:\n%s", table.stdout)
	}
	for _, r := range []result{list, table} {
		if strings.Contains(r.stdout+r.stderr, graphSecret) {
			t.Error("a command printed the client secret")
		}
	}
}

func TestSyncFailsWithOneLine(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	_, tid := newTenant(t, db)
	gt, fake, url := fakeGraph(t, 50)
	ok(t, db, new(struct {
		ID string `json:"id"`
	}), "admin", "tenant", "connect", "--tenant", tid, "--entra-tenant-id", gt.EntraTenantID,
		"--client-id", graphClientID, "--client-secret", graphSecret, "--graph-url", url, "--login-url", url)
	fake.SetFault(fakegraph.ReadDomains, fakegraph.Denied(fakegraph.ReadDomains))
	fails(t, "", "sync of tenant "+tid+" failed: read 1 (domains): graph domains: HTTP 403 Authorization_RequestDenied",
		append([]string{"sync", "--tenant", tid}, db...)...)
}

// runWithEnvCtx runs the command with ctx, writing stdout to out.
func runWithEnvCtx(ctx context.Context, out io.Writer, args ...string) int {
	return cli.Run(ctx, args, strings.NewReader(""), out, io.Discard, noEnv)
}

func TestFakegraphCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- runWithEnvCtx(ctx, out, "fakegraph", "--users", "30", "--seed", "4")
	}()
	waitUntil(t, 10*time.Second, "the connect line", func() bool { return strings.Contains(out.String(), "connect with:") })
	clientID, secret := fakegraph.DemoClient(4)
	for _, want := range []string{"fakegraph listening on http://127.0.0.1:", "--client-id " + clientID, secret} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("fakegraph printed %q, want %q in it", out.String(), want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("fakegraph exited %d after its context ended", code)
	}
}
