//go:build unix

package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// holdSQLiteLocks takes, in the test process (another process than the
// server), the locks a process that has the SQLite database at path open
// and is recovering its WAL index holds: a shared lock on the database file
// and on the index's dead man switch, and every lock of the WAL index
// exclusively. While they are held, the server's connections can begin
// neither a read nor a write: SQLite retries for about 10 s, then fails
// with SQLITE_PROTOCOL. The offsets are those of SQLite's unix VFS. The
// returned function releases the locks.
func holdSQLiteLocks(t *testing.T, path string) (release func()) {
	t.Helper()
	var files []*os.File
	release = func() {
		for _, f := range files {
			f.Close() // closing the file releases this process's locks on it
		}
		files = nil
	}
	t.Cleanup(release)
	for _, l := range []struct {
		file        string
		kind        int16
		start, size int64
	}{
		{path, syscall.F_RDLCK, 0x40000000 + 2, 510}, // SHARED: 510 bytes from the pending byte + 2
		{path + "-shm", syscall.F_RDLCK, 128, 1},     // the dead man switch
		{path + "-shm", syscall.F_WRLCK, 120, 8},     // write, checkpoint, recover, five read marks
	} {
		f, err := os.OpenFile(l.file, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		lk := syscall.Flock_t{Type: l.kind, Whence: 0, Start: l.start, Len: l.size}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
			t.Fatalf("lock %s at %d: %v", l.file, l.start, err)
		}
	}
	return release
}

// TestSQLiteLockedByAnotherProcess: while another process holds the SQLite
// database's locks, the partner API answers 503 with Retry-After within
// about --store-timeout (not after SQLite's 10 s of retries), the token
// endpoint answers 503 temporarily_unavailable for a credential it must
// read (SQLITE_PROTOCOL is Unavailable, not a 500), and /readyz fails; all
// recover once the lock is released. (A grant with a secret the token
// endpoint read in the last second needs no store read, so the lock does
// not stop it: the request while locked uses a secret added after the
// endpoint last read the app's.)
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	w := setUpSecurityWorld(t, e)
	const storeTimeout = time.Second
	s := e.serve("--store-timeout", storeTimeout.String())
	c := newClient(t, s)
	token := c.token(w.clientID, w.secret)
	target := usersPath(w.customer, w.tenant)
	if resp, body := c.get(token, target); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the lock: %d %s", resp.StatusCode, body)
	}
	unused := e.id("clientSecret", "admin", "app", "secret", "add", "--app", w.clientID)

	release := holdSQLiteLocks(t, e.db)
	var wg sync.WaitGroup
	wg.Go(func() {
		start := time.Now()
		resp, body := c.get(token, target)
		took := time.Since(start)
		t.Logf("GET while locked: %d after %v", resp.StatusCode, took.Round(time.Millisecond))
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET while locked: got %d (Retry-After %q) %s, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		// About the store timeout; far below SQLite's 10 s of retries.
		if took > 5*storeTimeout {
			t.Errorf("GET while locked: answered after %v, want about %v", took, storeTimeout)
		}
	})
	wg.Go(func() {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {w.clientID}, "client_secret": {unused}}
		req, _ := http.NewRequest(http.MethodPost, c.base+"/connect/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		resp, body := c.do(req)
		t.Logf("token while locked: %d after %v", resp.StatusCode, time.Since(start).Round(time.Millisecond))
		var oauth struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(body, &oauth); err != nil || resp.StatusCode != http.StatusServiceUnavailable || oauth.Error != "temporarily_unavailable" {
			t.Errorf("token while locked: got %d %s (%v), want 503 temporarily_unavailable", resp.StatusCode, body, err)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("token while locked: no Retry-After with the 503")
		}
	})
	wg.Go(func() {
		if resp, body := c.get("", "/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz while locked: got %d %s, want 503", resp.StatusCode, body)
		}
	})
	wg.Wait()

	release()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, _ := c.get(token, target)
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered 30s after the lock was released: %d", resp.StatusCode)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if resp, body := c.get("", "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after the lock was released: got %d %s, want 200", resp.StatusCode, body)
	}
	c.token(w.clientID, w.secret) // the token endpoint serves again
}
