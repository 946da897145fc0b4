package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
)

// The sync's end-to-end tests: the real binary connects tenants to a fake
// Microsoft Graph (in the test, on loopback, so that faults can be switched;
// once as `secusers fakegraph`), syncs them with `secusers sync`, and the
// statuses the API then serves are checked user by user against the rules
// of spec/sync.md, computed here from the fake tenant's facts without the
// service's code.

const (
	e2eClientID = "5d1a9c3e-8f2b-4c6d-9e0a-7b3f1c2d4e5f"
	e2eSecret   = "e2e8Q~not-a-real-client-secret"
	readScope   = "partner.um.user.read.all"
)

// graphTenant serves a generated tenant of n users on 127.0.0.1, its reads
// in small pages so that each spans several, for the app e2eClientID with
// e2eSecret.
func graphTenant(t *testing.T, seed int64, n int) (*fakegraph.Tenant, *fakegraph.Server) {
	t.Helper()
	gt := fakegraph.Generate(seed, n, time.Now(), fakegraph.GenerateOptions{})
	fake := fakegraph.NewServer(gt,
		fakegraph.WithPageSize(fakegraph.ReadRegistrations, 200),
		fakegraph.WithPageSize(fakegraph.ReadRiskyUsers, 25),
		fakegraph.WithPageSize(fakegraph.ReadDevices, 300))
	fake.RegisterSecret(e2eClientID, e2eSecret)
	if _, err := fake.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close(context.Background()) })
	return gt, fake
}

// syncWorld is a partner with a customer, a tenant, and an app that reads
// the tenant's users through the API.
type syncWorld struct {
	e                *env
	customer, tenant string
	appID, appSecret string
}

func newSyncWorld(t *testing.T, e *env) *syncWorld {
	t.Helper()
	w := &syncWorld{e: e}
	partner := e.id("id", "admin", "partner", "create", "--name", "Sync MSP")
	w.customer = e.id("id", "admin", "customer", "create", "--partner", partner, "--organization", "Fabrikam")
	w.tenant = w.addTenant("fabrikam.onmicrosoft.com")
	w.appID = e.id("clientId", "admin", "app", "create", "--partner", partner, "--name", "reader", "--permissions", readScope)
	w.appSecret = e.id("clientSecret", "admin", "app", "secret", "add", "--app", w.appID)
	return w
}

func (w *syncWorld) addTenant(name string) string {
	return w.e.id("id", "admin", "tenant", "create", "--customer", w.customer, "--name", name)
}

// connect connects the tenant to the fake with the client secret.
func (w *syncWorld) connect(tenant string, gt *fakegraph.Tenant, fake *fakegraph.Server, extra ...string) {
	w.e.t.Helper()
	args := append([]string{"admin", "tenant", "connect", "--tenant", tenant, "--entra-tenant-id", gt.EntraTenantID,
		"--client-id", e2eClientID, "--graph-url", fake.URL(), "--login-url", fake.URL()}, extra...)
	if !containsFlag(extra, "--cert-file") {
		args = append(args, "--client-secret", e2eSecret)
	}
	if got := w.e.id("id", args...); got != tenant {
		w.e.t.Errorf("connect printed id %q, want the tenant %q", got, tenant)
	}
}

func containsFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag {
			return true
		}
	}
	return false
}

// syncOutput is sync's -o json result (cli.md).
type syncOutput struct {
	TenantID      string `json:"tenantId"`
	Users         int    `json:"users"`
	SecurityUsers int    `json:"securityUsers"`
	Unavailable   []struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"unavailable"`
	DurationMS int64 `json:"durationMs"`
}

// sync runs `secusers sync -o json`, requires exit 0 and nothing on stderr,
// and decodes the result strictly.
func (w *syncWorld) sync(tenant string) syncOutput {
	w.e.t.Helper()
	stdout, stderr, code := w.e.run(nil, "sync", "--tenant", tenant, "-o", "json")
	if code != 0 || stderr != "" {
		w.e.t.Fatalf("sync: exit %d, stderr %q", code, stderr)
	}
	var out syncOutput
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil || strings.Count(stdout, "\n") != 1 {
		w.e.t.Fatalf("sync printed %q, want one JSON object: %v", stdout, err)
	}
	if out.TenantID != tenant || out.Unavailable == nil || out.DurationMS < 0 {
		w.e.t.Errorf("sync result %+v: want tenantId %s, an unavailable array, a duration", out, tenant)
	}
	return out
}

// lastRun is a tenant's last sync as `admin tenant list -o json` shows it.
type lastRun struct {
	StartedAt     time.Time `json:"startedAt"`
	Result        string    `json:"result"`
	Users         int       `json:"users"`
	SecurityUsers int       `json:"securityUsers"`
	Error         string    `json:"error"`
}

func (w *syncWorld) lastRun(tenant string) lastRun {
	w.e.t.Helper()
	stdout, stderr, code := w.e.run(nil, "admin", "tenant", "list", "--customer", w.customer, "-o", "json")
	if code != 0 {
		w.e.t.Fatalf("tenant list: exit %d: %s", code, stderr)
	}
	var out struct {
		Tenants []struct {
			ID       string   `json:"id"`
			LastSync *lastRun `json:"lastSync"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		w.e.t.Fatalf("tenant list printed %q: %v", stdout, err)
	}
	for _, tn := range out.Tenants {
		if tn.ID == tenant && tn.LastSync != nil {
			return *tn.LastSync
		}
	}
	w.e.t.Fatalf("tenant list shows no last sync of %s: %s", tenant, stdout)
	return lastRun{}
}

// apiUser is what the test reads of a user from the API.
type apiUser struct {
	Status     int   `json:"status"`
	IsTestUser bool  `json:"isTestUser"`
	StartDate  int64 `json:"startDate"`
	EndDate    int64 `json:"endDate"`
}

// securityUsers reads every security user of the tenant through the API,
// page by page, by id.
func (w *syncWorld) securityUsers(s *server, tenant string) map[string]apiUser {
	t := w.e.t
	t.Helper()
	c := newClient(t, s)
	token := c.token(w.appID, w.appSecret)
	out := map[string]apiUser{}
	for target := usersPath(w.customer, tenant) + "?pageSize=1000"; target != ""; {
		p := getPage(t, c, token, target)
		for _, d := range p.Data {
			raw, _ := json.Marshal(d)
			var u apiUser
			if err := json.Unmarshal(raw, &u); err != nil {
				t.Fatal(err)
			}
			out[d["id"].(string)] = u
		}
		target = p.NextLink
	}
	return out
}

// statusesOf keeps the status of each user.
func statusesOf(users map[string]apiUser) map[string]int {
	out := make(map[string]int, len(users))
	for id, u := range users {
		out[id] = u.Status
	}
	return out
}

// The statuses of spec/sync.md, as bits of the API's status.
const (
	bitMFADisabled     = 1 << 0
	bitSignInBlocked   = 1 << 1
	bitPasswordExpired = 1 << 2
	bitHighRisk        = 1 << 3
	bitMediumRisk      = 1 << 4
	bitCompliance      = 1 << 5
	bitInactive        = 1 << 6
	bitPendingDeletion = 1 << 7
	bitTestUser        = 1 << 8
)

// wantStatuses computes from the fake tenant's facts, by the rules of
// sync.md and independently of the service's code, the status of every
// security user (users without a status are not listed) at now, the run's
// start, with the unavailable bits cleared.
func wantStatuses(gt *fakegraph.Tenant, now time.Time, unavailable int) map[string]int {
	out := map[string]int{}
	for f := range gt.Facts() {
		u := f.User
		s := 0
		if f.Registration != nil && !f.Registration.IsMfaRegistered {
			s |= bitMFADisabled
		}
		if u.AccountEnabled != nil && !*u.AccountEnabled {
			s |= bitSignInBlocked
		}
		if passwordExpired(f, now) {
			s |= bitPasswordExpired
		}
		if r := f.Risk; r != nil && (r.RiskState == "atRisk" || r.RiskState == "confirmedCompromised") {
			switch r.RiskLevel {
			case "high":
				s |= bitHighRisk
			case "medium":
				s |= bitMediumRisk
			}
		}
		for _, d := range f.Devices {
			if d.ComplianceState == "noncompliant" {
				s |= bitCompliance
			}
		}
		if inactive(u, now, 90) {
			s |= bitInactive
		}
		if s &^= unavailable; s != 0 {
			out[strings.ToLower(u.ID)] = s
		}
	}
	for u := range gt.Deleted.Values() {
		if u.DeletedDateTime.After(now.Add(-30 * 24 * time.Hour)) {
			out[strings.ToLower(u.ID)] = bitPendingDeletion
		}
	}
	return out
}

// passwordExpired is status 2: the last change plus the validity days of
// the UPN's domain is before now, except with DisablePasswordExpiration,
// for domains whose passwords never expire (null or 2147483647), and for
// users synced from on-premises.
func passwordExpired(f fakegraph.UserFacts, now time.Time) bool {
	u := f.User
	if !f.DomainOK || u.LastPasswordChangeDateTime == nil {
		return false
	}
	if u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled {
		return false
	}
	if u.PasswordPolicies != nil && strings.Contains(strings.ToLower(*u.PasswordPolicies), "disablepasswordexpiration") {
		return false
	}
	days := f.Domain.PasswordValidityPeriodInDays
	if days == nil || *days == graph.NeverExpires {
		return false
	}
	return u.LastPasswordChangeDateTime.Add(time.Duration(*days) * 24 * time.Hour).Before(now)
}

// inactive is status 6: the later sign-in, interactive or not, is more than
// days before now; with neither, the creation counts. Graph writes "never"
// as null or as 0001-01-01T00:00:00Z, which is no sign-in either.
func inactive(u graph.User, now time.Time, days int) bool {
	var last time.Time
	if a := u.SignInActivity; a != nil {
		for _, t := range []*time.Time{a.LastSignInDateTime, a.LastNonInteractiveSignInDateTime} {
			if t != nil && t.Year() > 1 && t.After(last) {
				last = *t
			}
		}
	}
	if last.IsZero() && u.CreatedDateTime != nil {
		last = *u.CreatedDateTime
	}
	return !last.IsZero() && last.Before(now.Add(-time.Duration(days)*24*time.Hour))
}

// checkStatuses compares the API's security users with the rules, user by
// user, at the start of the tenant's last run.
func (w *syncWorld) checkStatuses(s *server, tenant string, gt *fakegraph.Tenant, unavailable int) {
	w.e.t.Helper()
	run := w.lastRun(tenant)
	if run.Result != "succeeded" {
		w.e.t.Fatalf("last run %+v, want succeeded", run)
	}
	want := wantStatuses(gt, run.StartedAt, unavailable)
	got := statusesOf(w.securityUsers(s, tenant))
	if diff := cmp.Diff(want, got); diff != "" {
		w.e.t.Errorf("statuses by user (-rules +API):\n%s", diff)
	}
	if run.SecurityUsers != len(want) {
		w.e.t.Errorf("the run counted %d security users, the rules give %d", run.SecurityUsers, len(want))
	}
}

// syncUsers is large enough for every case the generator covers.
const syncUsers = 2 * fakegraph.MinCoverage

func TestSyncWithSecretAndCertificate(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := newSyncWorld(t, e)
	gt, fake := graphTenant(t, 11, syncUsers)
	certFile, keyFile, cert := writeCertificate(t)
	fake.RegisterCertificate(e2eClientID, cert)

	w.connect(w.tenant, gt, fake)
	byCert := w.addTenant("fabrikam-cert.onmicrosoft.com")
	w.connect(byCert, gt, fake, "--cert-file", certFile, "--key-file", keyFile, "--inactive-days", "90")
	for _, tenant := range []string{w.tenant, byCert} {
		out := w.sync(tenant)
		if want := syncUsers + deletedWithin30Days(gt, time.Now()); out.Users != want || len(out.Unavailable) != 0 {
			t.Errorf("sync of %s: %+v, want %d users and nothing unavailable", tenant, out, want)
		}
	}
	s := e.serve("--sync-interval", "0")
	w.checkStatuses(s, w.tenant, gt, 0)
	w.checkStatuses(s, byCert, gt, 0)

	// The stored credentials are sealed: neither the secret nor the key is
	// in the database, and no command prints them.
	db, err := os.ReadFile(e.db)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(e.db + "-wal") // what is not checkpointed yet
	db = append(db, wal...)
	key, _ := os.ReadFile(keyFile)
	keyBody := strings.Split(string(key), "\n")[1]
	if strings.Contains(string(db), e2eSecret) || strings.Contains(string(db), keyBody) {
		t.Error("the database holds a credential in the clear")
	}
	if list, _, _ := e.run(nil, "admin", "tenant", "list", "-o", "json"); strings.Contains(list, e2eSecret) || strings.Contains(list, keyBody) {
		t.Error("tenant list prints a credential")
	}
}

func deletedWithin30Days(gt *fakegraph.Tenant, now time.Time) int {
	n := 0
	for u := range gt.Deleted.Values() {
		if u.DeletedDateTime.After(now.Add(-30 * 24 * time.Hour)) {
			n++
		}
	}
	return n
}

// TestSyncThroughFaults syncs through throttling and 503s, which the run
// waits out, and through reads the tenant is not licensed for, which make
// their statuses unavailable; each run succeeds.
func TestSyncThroughFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		faults      map[fakegraph.Endpoint]fakegraph.Fault
		unavailable map[string]int // status name → bit
	}{
		{"429 storm with Retry-After", map[fakegraph.Endpoint]fakegraph.Fault{
			fakegraph.ReadUsers: fakegraph.Throttled(time.Second).Storm(2)}, nil},
		{"429 storm without Retry-After", map[fakegraph.Endpoint]fakegraph.Fault{
			fakegraph.ReadRiskyUsers: fakegraph.Throttled(0).Storm(2)}, nil},
		{"503s", map[fakegraph.Endpoint]fakegraph.Fault{
			fakegraph.ReadDeleted: fakegraph.Unavailable(time.Second).Storm(1),
			fakegraph.ReadDevices: fakegraph.Unavailable(0).Storm(1)}, nil},
		{"unlicensed", map[fakegraph.Endpoint]fakegraph.Fault{
			fakegraph.ReadRegistrations: fakegraph.Unlicensed(fakegraph.ReadRegistrations),
			fakegraph.ReadRiskyUsers:    fakegraph.Unlicensed(fakegraph.ReadRiskyUsers),
			fakegraph.ReadDevices:       fakegraph.UnlicensedBadRequest(fakegraph.ReadDevices),
			fakegraph.ReadUsers:         fakegraph.Unlicensed(fakegraph.ReadUsers)},
			map[string]int{"MFADisabled": bitMFADisabled, "HighRisk": bitHighRisk, "MediumRisk": bitMediumRisk,
				"Compliance": bitCompliance, "Inactive": bitInactive}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSQLiteEnv(t)
			w := newSyncWorld(t, e)
			gt, fake := graphTenant(t, 12, syncUsers)
			w.connect(w.tenant, gt, fake)
			for read, f := range tc.faults {
				fake.SetFault(read, f)
			}
			out := w.sync(w.tenant)
			gone := 0
			got := map[string]int{}
			for _, u := range out.Unavailable {
				got[u.Status] = tc.unavailable[u.Status]
				gone |= tc.unavailable[u.Status]
				if u.Reason == "" {
					t.Errorf("%s is unavailable without a reason", u.Status)
				}
			}
			if diff := cmp.Diff(tc.unavailable, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("unavailable statuses (-want +got):\n%s", diff)
			}
			for read, f := range tc.faults {
				if st := fake.Stats(read); f.Count > 0 && st.Throttled+st.Unavailable != f.Count {
					t.Errorf("%s: %+v, want the storm of %d answered", read, st, f.Count)
				}
			}
			w.checkStatuses(e.serve("--sync-interval", "0"), w.tenant, gt, gone)
		})
	}
}

// TestSyncFailureChangesNothing fails a run midway through the users, and
// kills another with SIGKILL while it reads: the tenant keeps the users of
// the last run that completed, and the next run replaces them.
func TestSyncFailureChangesNothing(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := newSyncWorld(t, e)
	gt, fake := graphTenant(t, 13, 3*syncUsers)
	w.connect(w.tenant, gt, fake)
	w.sync(w.tenant)
	s := e.serve("--sync-interval", "0")
	before := w.securityUsers(s, w.tenant)

	// A read that breaks after two pages of users.
	fake.SetFault(fakegraph.ReadUsers, fakegraph.Fault{Status: 400, Code: "BadRequest", Message: "Invalid request."}.After(2))
	msg := e.fail(nil, "sync", "--tenant", w.tenant)
	if !strings.Contains(msg, "read 2 (users)") || !strings.Contains(msg, "HTTP 400") {
		t.Errorf("the failed sync said %q, want the read and Graph's answer", msg)
	}
	if run := w.lastRun(w.tenant); run.Result != "failed" || !strings.Contains(run.Error, "read 2 (users)") {
		t.Errorf("last run %+v, want failed with the reason", run)
	}
	if diff := cmp.Diff(before, w.securityUsers(s, w.tenant)); diff != "" {
		t.Errorf("a failed run changed the users (-before +after):\n%s", diff)
	}
	fake.ClearFaults()

	// A process killed while it reads slow pages of users.
	fake.SetDelay(fakegraph.ReadUsers, 2*time.Second)
	fake.ResetStats()
	cmd := exec.Command(binary, "sync", "--tenant", w.tenant, "--db", e.db)
	cmd.Env = e.environ()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the sync reading users", func() bool { return fake.Stats(fakegraph.ReadUsers).OK >= 1 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the killed sync exited 0")
	}
	if run := w.lastRun(w.tenant); run.Result != "running" {
		t.Errorf("last run %+v, want the killed run left running", run)
	}
	if diff := cmp.Diff(before, w.securityUsers(s, w.tenant)); diff != "" {
		t.Errorf("a killed run changed the users (-before +after):\n%s", diff)
	}

	// The next run completes and supersedes the killed one.
	fake.SetDelay(fakegraph.ReadUsers, 0)
	w.sync(w.tenant)
	w.checkStatuses(s, w.tenant, gt, 0)
}

// TestSyncKeepsPartnerFields marks users as test users with an enforcement
// window through import; a sync keeps those fields (and the TestUser
// status) for every user it still finds.
func TestSyncKeepsPartnerFields(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := newSyncWorld(t, e)
	gt, fake := graphTenant(t, 14, syncUsers)
	w.connect(w.tenant, gt, fake)
	w.sync(w.tenant)

	// Mark every tenth exported user, and add one Graph does not have.
	exported, stderr, code := e.run(nil, "export", "users", "--tenant", w.tenant)
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	marked := map[string]apiUser{}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(exported))
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan(); i++ {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			start, end := int64(1767225600000+i), int64(1798761600000+i)
			r["isTestUser"], r["startDate"], r["endDate"] = true, start, end
			r["status"] = int(r["status"].(float64)) | bitTestUser
			marked[r["id"].(string)] = apiUser{IsTestUser: true, StartDate: start, EndDate: end}
		}
		line, _ := json.Marshal(r)
		lines = append(lines, string(line))
	}
	lines = append(lines, `{"id":"0badc0de-0000-4000-8000-000000000001","displayName":"Gone Since","status":256,"isTestUser":true}`)
	e.json("import", "users", "--tenant", w.tenant, "--file", writeFile(t, "marked.jsonl", []byte(strings.Join(lines, "\n")+"\n")))

	w.sync(w.tenant)
	s := e.serve("--sync-interval", "0")
	users := w.securityUsers(s, w.tenant)
	want := wantStatuses(gt, w.lastRun(w.tenant).StartedAt, 0)
	for id, m := range marked {
		m.Status = want[id] | bitTestUser
		if got := users[id]; got != m {
			t.Errorf("user %s: got %+v, want %+v", id, got, m)
		}
	}
	if _, ok := users["0badc0de-0000-4000-8000-000000000001"]; ok {
		t.Error("a user Graph no longer has survived the sync")
	}
	if len(marked) < 10 {
		t.Fatalf("only %d users marked: the test proves little", len(marked))
	}
}

// TestSyncFromFakegraphCommand runs `secusers fakegraph` as its own process
// and connects a tenant with the command it prints.
func TestSyncFromFakegraphCommand(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := newSyncWorld(t, e)
	const users, seed = 400, 5
	cmd := exec.Command(binary, "fakegraph", "--addr", "127.0.0.1:0", "--users", fmt.Sprint(users), "--seed", fmt.Sprint(seed))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	connectLine := regexp.MustCompile(`secusers admin tenant connect --tenant TID (.*)$`)
	var args []string
	sc := bufio.NewScanner(stdout)
	for args == nil && sc.Scan() {
		if m := connectLine.FindStringSubmatch(sc.Text()); m != nil {
			args = strings.Fields(strings.ReplaceAll(m[1], "'", ""))
		}
	}
	if args == nil {
		t.Fatal("fakegraph printed no connect command")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	e.json(append([]string{"admin", "tenant", "connect", "--tenant", w.tenant}, args...)...)
	out := w.sync(w.tenant)
	gt := fakegraph.Generate(seed, users, time.Now(), fakegraph.GenerateOptions{})
	if want := users + deletedWithin30Days(gt, time.Now()); out.Users != want {
		t.Errorf("synced %d users, want %d", out.Users, want)
	}
	w.checkStatuses(e.serve("--sync-interval", "0"), w.tenant, gt, 0)
	if u, err := url.Parse(args[len(args)-1]); err != nil || u.Hostname() != "127.0.0.1" {
		t.Errorf("the printed login URL %q is not on loopback", args[len(args)-1])
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// writeCertificate writes a new self-signed certificate and its private key
// as PEM files, as an app registration's certificate credential.
func writeCertificate(t *testing.T) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "secusers e2e sync"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, "app.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyFile = writeFile(t, "app.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	return certFile, keyFile, cert
}
