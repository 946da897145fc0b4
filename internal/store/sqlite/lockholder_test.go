//go:build unix

package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockHolderEnv, when set to MODE:PATH, makes TestHelperProcess hold a lock
// on the database at PATH instead of testing, until it is killed.
const lockHolderEnv = "SECUSERS_TEST_LOCK_HOLDER"

// The locks a holder takes.
const (
	// holdWALIndex holds the locks of a process that has the database
	// open (a shared lock on the database file and on the index's
	// "dead man switch") and holds every lock of the WAL index (the -shm
	// file) exclusively, as one recovering the index does: the other
	// processes' connections can neither begin a read nor a write, and
	// SQLite's own retries end in SQLITE_PROTOCOL after about 10 s.
	holdWALIndex = "wal-index"
	// holdExclusive opens the database in EXCLUSIVE locking mode and
	// writes: it then keeps the database file locked. It gets the lock
	// only while no other process has the database open.
	holdExclusive = "exclusive"
)

// Where SQLite's unix VFS takes its locks: a reader's shared lock on the
// database file is a read lock on 510 bytes from the pending byte (1 GiB)
// + 2; the WAL index's locks are one byte each from offset 120 of the -shm
// file (the write, checkpoint and recover locks and five read marks), and
// its dead man switch is the byte after them, held shared by every process
// that has the index open.
const (
	sharedFirst, sharedSize            = 0x40000000 + 2, 510
	walIndexLocks, walIndexLockCount   = 120, 8
	walIndexDeadMan, walIndexDeadManSz = 128, 1
)

// TestHelperProcess is not a test: startLockHolder runs the test binary
// with only this test selected and lockHolderEnv set, so that a lock is
// held by another process, as a real one would hold it (locks of this
// process would not conflict with its own connections).
func TestHelperProcess(t *testing.T) {
	mode, path, ok := strings.Cut(os.Getenv(lockHolderEnv), ":")
	if !ok {
		return
	}
	if err := holdLock(mode, path); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("locked")
	time.Sleep(time.Hour)
	os.Exit(0)
}

func holdLock(mode, path string) error {
	switch mode {
	case holdWALIndex:
		// The files stay open: closing one would release its locks.
		for _, l := range []struct {
			file        string
			kind        int16
			start, size int64
		}{
			{path, syscall.F_RDLCK, sharedFirst, sharedSize},
			{path + "-shm", syscall.F_RDLCK, walIndexDeadMan, walIndexDeadManSz},
			{path + "-shm", syscall.F_WRLCK, walIndexLocks, walIndexLockCount},
		} {
			f, err := os.OpenFile(l.file, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			lk := syscall.Flock_t{Type: l.kind, Whence: 0, Start: l.start, Len: l.size}
			if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
				return fmt.Errorf("lock %s at %d: %w", l.file, l.start, err)
			}
		}
		return nil
	case holdExclusive:
		db, err := sql.Open("sqlite", dsn(path))
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		for _, q := range []string{`PRAGMA locking_mode = EXCLUSIVE`, `CREATE TABLE IF NOT EXISTS held (at INTEGER)`, `INSERT INTO held VALUES (1)`} {
			if _, err := db.ExecContext(context.Background(), q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil // db stays open: its connection keeps the lock
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// startLockHolder starts a process that holds the lock mode names on the
// database at path, waits until it holds it, and kills it when the test
// ends (or when the test calls the returned function, to release it sooner).
func startLockHolder(t *testing.T, mode, path string) (release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), lockHolderEnv+"="+mode+":"+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	release = func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Cleanup(release)
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		release()
		t.Fatalf("lock holder (%s): got %q, %v; want \"locked\"", mode, line, err)
	}
	return release
}
