package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"

	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/graph/fakegraph"
)

// The schedule's end-to-end tests: servers that share a database sync every
// connected tenant on their own, never one tenant twice at once, and the
// sync command refuses to run a tenant that is being synced.

// slowGraph serves a generated tenant of n users in pages of 50, each
// answer (the token's too) delay late, so that a run takes seconds and runs
// overlap in time. Every tenant of a test connects to this one Entra tenant.
func slowGraph(t *testing.T, seed int64, n int, delay time.Duration) (*fakegraph.Tenant, string) {
	t.Helper()
	gt := fakegraph.Generate(seed, n, time.Now(), fakegraph.GenerateOptions{})
	fake := fakegraph.NewServer(gt,
		fakegraph.WithPageSize(fakegraph.ReadUsers, 50),
		fakegraph.WithPageSize(fakegraph.ReadRegistrations, 100),
		fakegraph.WithPageSize(fakegraph.ReadDevices, 100))
	fake.RegisterSecret(e2eClientID, e2eSecret)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return gt, hs.URL
}

// keyedEnv is an env whose commands get a master key in the environment,
// as PostgreSQL needs (a key file beside the database would be no key for
// another server).
type keyedEnv struct {
	*env
	key string
}

func newKeyedEnv(e *env) *keyedEnv {
	key := make([]byte, 32)
	rand.Read(key)
	k := &keyedEnv{env: e, key: hex.EncodeToString(key)}
	e.vars = append(e.vars, "SECUSERS_MASTER_KEY="+k.key)
	return k
}

// connectTo connects the tenant to the fake Graph at url.
func (k *keyedEnv) connectTo(tenant string, gt *fakegraph.Tenant, url string) {
	k.t.Helper()
	_, stderr, code := k.run(nil, "admin", "tenant", "connect", "--tenant", tenant, "--entra-tenant-id", gt.EntraTenantID,
		"--client-id", e2eClientID, "--client-secret", e2eSecret, "--graph-url", url, "--login-url", url, "-o", "json")
	if code != 0 {
		k.t.Fatalf("connect %s: exit %d: %s", tenant, code, stderr)
	}
}

// runSpan is one sync run of a tenant as the sync_runs table records it;
// finished is zero while it runs.
type runSpan struct {
	started, finished int64 // Unix milliseconds
	result            string
}

// syncRunSpans reads every tenant's runs from the database, by tenant, in
// order of start.
func syncRunSpans(t *testing.T, dsn string) map[string][]runSpan {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT tenant_id, started_at, COALESCE(finished_at, 0), result FROM sync_runs ORDER BY tenant_id, started_at`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]runSpan{}
	for rows.Next() {
		var tenant string
		var r runSpan
		if err := rows.Scan(&tenant, &r.started, &r.finished, &r.result); err != nil {
			t.Fatal(err)
		}
		out[tenant] = append(out[tenant], r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestScheduleTwoServersOneDatabase runs two servers on one PostgreSQL
// database, each scheduling syncs every two seconds, with six tenants whose
// runs take seconds: every tenant is synced, again and again, by both
// servers between them, and the run records show no tenant ever synced by
// two runs at once.
func TestScheduleTwoServersOneDatabase(t *testing.T) {
	t.Parallel()
	k := newKeyedEnv(newPostgresEnv(t))
	gt, url := slowGraph(t, 11, 300, 100*time.Millisecond)
	w := newSyncWorld(t, k.env)
	tenants := []string{w.tenant}
	for i := range 5 {
		tenants = append(tenants, w.addTenant(fmt.Sprintf("tenant%d.onmicrosoft.com", i)))
	}
	for _, id := range tenants {
		k.connectTo(id, gt, url)
	}

	var servers [2]*server
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i] = k.serve("--sync-interval", "2s") })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	waitFor(t, 40*time.Second, "every tenant synced twice", func() bool {
		spans := syncRunSpans(t, k.db)
		for _, id := range tenants {
			if succeeded(spans[id]) < 2 {
				return false
			}
		}
		return true
	})
	for _, id := range tenants {
		if got := w.securityUsers(servers[0], id); len(got) == 0 {
			t.Errorf("tenant %s: no security users readable after its syncs", id)
		}
	}
	for _, s := range servers {
		s.stop(t)
	}

	for _, id := range tenants {
		spans := syncRunSpans(t, k.db)[id]
		for i := 1; i < len(spans); i++ {
			prev, next := spans[i-1], spans[i]
			if prev.finished == 0 || next.started < prev.finished {
				t.Errorf("tenant %s: run %d (%+v) started before run %d (%+v) finished", id, i+1, next, i, prev)
			}
		}
	}
	for i, s := range servers {
		if n := strings.Count(s.out.String(), "sync completed"); n == 0 {
			t.Errorf("server %d completed no sync; its log:\n%s", i+1, s.out.String())
		}
	}
}

// succeeded counts the succeeded runs.
func succeeded(spans []runSpan) int {
	return len(slices.DeleteFunc(slices.Clone(spans), func(r runSpan) bool { return r.result != "succeeded" }))
}

// TestScheduleSyncCommandRefusesRunningTenant: `secusers sync` of a tenant
// that another `secusers sync` is syncing exits non-zero with one line
// saying so, and leaves the first to succeed.
func TestScheduleSyncCommandRefusesRunningTenant(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	gt, url := slowGraph(t, 12, 300, 200*time.Millisecond)
	w := newSyncWorld(t, e)
	w.e.json("admin", "tenant", "connect", "--tenant", w.tenant, "--entra-tenant-id", gt.EntraTenantID,
		"--client-id", e2eClientID, "--client-secret", e2eSecret, "--graph-url", url, "--login-url", url)

	type result struct {
		stdout, stderr string
		code           int
	}
	first := make(chan result, 1)
	go func() {
		stdout, stderr, code := e.run(nil, "sync", "--tenant", w.tenant, "-o", "json")
		first <- result{stdout, stderr, code}
	}()
	waitFor(t, 20*time.Second, "the first sync's run to be recorded", func() bool {
		stdout, _, code := e.run(nil, "admin", "tenant", "list", "--customer", w.customer, "-o", "json")
		return code == 0 && strings.Contains(stdout, `"running"`)
	})
	msg := e.fail(nil, "sync", "--tenant", w.tenant)
	if !strings.Contains(msg, "already being synced") || !strings.Contains(msg, w.tenant) {
		t.Errorf("second sync: stderr %q, want it to say the tenant is already being synced", msg)
	}
	select {
	case r := <-first:
		if r.code != 0 || !strings.Contains(r.stdout, `"users":`) {
			t.Errorf("first sync: exit %d, stdout %q, stderr %q; want success", r.code, r.stdout, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first sync did not end within 30s")
	}
	if got := w.lastRun(w.tenant); got.Result != "succeeded" {
		t.Errorf("last run: got %+v, want the first sync's, succeeded", got)
	}
}
