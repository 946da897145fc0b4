package tenantsync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/tenantsync"
)

// BenchmarkSyncFull syncs a generated tenant (100,000 users; set
// SECUSERS_BENCH_USERS for another size) from a fake Graph on loopback into
// SQLite, and reports:
//
//	users/s        users of reads 2 and 6 per second of a whole run
//	peak-heap-MB   the most heap in use during a run (sampled every 5 ms),
//	               the fake's own pages included
//	peak-rss-MB    the most resident memory of the process (Linux), which
//	               counts SQLite's page cache as well
//	serve-ratio    a run's time over the time the fake takes just to serve
//	               the same pages to a plain paged HTTP read
//	longest-tx-ms  the longest any write transaction of a run held the
//	               store's write lock (SQLite's one lock; every other
//	               writer waits as long)
//
// For a million users: SECUSERS_BENCH_USERS=1000000 go test -run '^$'
// -bench SyncFull -benchtime 1x ./internal/tenantsync. The store is SQLite,
// or PostgreSQL with SECUSERS_BENCH_STORE=postgres (the test server,
// pgtest). With -benchtime 2x or more, every run after the first syncs
// the tenant again: unchanged, or, with SECUSERS_BENCH_DAY=1, a "day" later
// (fakegraph's AdvanceDay: 1% of the users change, 1% appear, 1% are
// deleted); the log gives each run's time and the changes it recorded.
func BenchmarkSyncFull(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("SECUSERS_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	gt := fakegraph.Generate(1, n, time.Now(), fakegraph.GenerateOptions{})
	fake := fakegraph.NewServer(gt)
	fake.RegisterSecret(testClientID, testSecret)
	base, err := fake.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fake.Close(context.Background()) })

	st, box := benchStore(b), newBox(b)
	tid := createTenant(b, st)
	_, err = tenantsync.Connect(b.Context(), st, box, tenantsync.Connection{
		TenantID: tid, EntraTenantID: gt.EntraTenantID, ClientID: testClientID,
		Secret: credentials.NewClientSecret(testSecret), GraphURL: base, LoginURL: base,
	})
	if err != nil {
		b.Fatal(err)
	}
	serve := timeServe(b, base, gt.EntraTenantID)
	var log strings.Builder
	s := &tenantsync.Syncer{Store: st, Box: box, SpoolDir: b.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{ReplaceAttr: phaseOnly}))}

	var total, longestTx time.Duration
	var peakHeap, peakRSS uint64
	writes, _ := st.(interface{ LongestWrite() time.Duration })
	var users int
	var runs []string
	advance := os.Getenv("SECUSERS_BENCH_DAY") == "1"
	for b.Loop() {
		if advance && len(runs) > 0 {
			gt = gt.AdvanceDay(fakegraph.DayOptions{Seed: int64(len(runs))})
			fake.SetTenant(gt)
		}
		feed, err := st.Changes(b.Context(), secusers.ChangeQuery{Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		log.Reset()
		runtime.GC()
		stop := sampleMemory(&peakHeap, &peakRSS)
		if writes != nil {
			writes.LongestWrite() // from this run on
		}
		start := time.Now()
		run, err := s.Run(b.Context(), tid)
		took := time.Since(start)
		total += took
		if writes != nil {
			longestTx = max(longestTx, writes.LongestWrite())
		}
		stop()
		if err != nil {
			b.Fatal(err)
		}
		users = run.Users
		runs = append(runs, fmt.Sprintf("run %d: %v, %d users, %d changes", len(runs)+1, took.Round(time.Millisecond),
			run.Users, countChanges(b, st, tid, feed.Latest)))
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(users)/per.Seconds(), "users/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	if peakRSS > 0 {
		b.ReportMetric(float64(peakRSS)/(1<<20), "peak-rss-MB")
	}
	b.ReportMetric(per.Seconds()/serve.Seconds(), "serve-ratio")
	if writes != nil {
		b.ReportMetric(float64(longestTx)/float64(time.Millisecond), "longest-tx-ms")
	}
	b.Logf("%d users: a run takes %v, serving its pages %v; %s; the last run's phases:\n%s",
		users, per.Round(time.Millisecond), serve.Round(time.Millisecond), strings.Join(runs, "; "), log.String())
}

// phaseOnly keeps what the benchmark reports of a run's log lines: the
// message and the duration.
func phaseOnly(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.MessageKey || a.Key == "duration" || a.Key == "users" {
		return a
	}
	return slog.Attr{}
}

// sampleMemory records the peak heap in use, and the peak resident size,
// until stop is called.
func sampleMemory(peakHeap, peakRSS *uint64) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		for !done.Load() {
			metrics.Read(sample)
			*peakHeap = max(*peakHeap, sample[0].Value.Uint64())
			*peakRSS = max(*peakRSS, residentBytes())
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); <-finished }
}

// residentBytes is the process's VmHWM (peak resident set) on Linux, or 0.
func residentBytes() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchReads are the requests of a run, as the graph client makes them.
var benchReads = []string{
	"/v1.0/domains",
	"/v1.0/reports/authenticationMethods/userRegistrationDetails",
	"/v1.0/identityProtection/riskyUsers",
	"/v1.0/deviceManagement/managedDevices?$select=id,userId,complianceState",
	"/v1.0/users?$select=" + benchUserFields + ",signInActivity&$top=500",
	"/v1.0/directory/deletedItems/microsoft.graph.user?$select=" + benchUserFields + ",deletedDateTime&$top=999",
}

const benchUserFields = "id,userPrincipalName,mail,displayName,givenName,surname,employeeId,officeLocation," +
	"department,mobilePhone,jobTitle,businessPhones,companyName,country,accountEnabled,createdDateTime," +
	"lastPasswordChangeDateTime,passwordPolicies,onPremisesSyncEnabled"

// timeServe times a plain paged read of the run's requests: each page
// fetched whole, only its @odata.nextLink decoded. It is what the fake
// costs, which no sync can beat.
func timeServe(b *testing.B, base, entraTenant string) time.Duration {
	b.Helper()
	tok, err := (&graphToken{base, entraTenant}).get()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, path := range benchReads {
		for link := base + path; link != ""; {
			if link, err = readPage(link, tok); err != nil {
				b.Fatal(err)
			}
		}
	}
	return time.Since(start)
}

type graphToken struct{ base, tenant string }

func (g *graphToken) get() (string, error) {
	resp, err := http.PostForm(g.base+"/"+g.tenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret},
		"scope": {g.base + "/.default"},
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	return t.AccessToken, json.NewDecoder(resp.Body).Decode(&t)
}

// readPage fetches a page and returns its next link. The fake writes the
// link before the value array, so only the head of the body is decoded.
func readPage(link, token string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	defer io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", &graph.Error{StatusCode: resp.StatusCode, Read: link}
	}
	dec := json.NewDecoder(resp.Body)
	if _, err := dec.Token(); err != nil {
		return "", err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch key {
		case "@odata.nextLink":
			var next string
			return next, dec.Decode(&next)
		case "value":
			return "", nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", err
		}
	}
	return "", nil
}

// benchStore opens the store SECUSERS_BENCH_STORE names: sqlite (the
// default) or postgres.
func benchStore(b *testing.B) secusers.Store {
	if os.Getenv("SECUSERS_BENCH_STORE") != "postgres" {
		return newStore(b)
	}
	st, err := postgres.Open(b.Context(), pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// countChanges counts the tenant's changes in the feed after a position.
func countChanges(b *testing.B, st secusers.Store, tenantID string, after secusers.ChangeCursor) int {
	n := 0
	for {
		page, err := st.Changes(b.Context(), secusers.ChangeQuery{TenantIDs: []string{tenantID}, After: after, Limit: 10_000})
		if err != nil {
			b.Fatal(err)
		}
		n += len(page.Changes)
		if len(page.Changes) < 10_000 {
			return n
		}
		after = page.Changes[len(page.Changes)-1].Cursor
	}
}
