//go:build unix

package sqlite

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask runs the test under the usual umask 022, under which the
// driver alone would create the database 0644. It must not be parallel:
// the umask is the process's.
func withUmask(t *testing.T) {
	t.Helper()
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

// wantMode fails the test unless the file name has mode want.
func wantMode(t *testing.T, name string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(name), err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: got mode %04o, want %04o", filepath.Base(name), got, want)
	}
}

// TestNewDatabaseIsPrivate: a new database, the WAL and shared-memory files
// beside it (which SQLite makes with the database's mode) and the migration
// lock file are readable by their owner only.
func TestNewDatabaseIsPrivate(t *testing.T) {
	withUmask(t)
	path := filepath.Join(t.TempDir(), "secusers.db")
	var logs bytes.Buffer
	s := open(t, path, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil { // the read pool's files too
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm", ".lock"} {
		wantMode(t, path+suffix, 0o600)
	}
	if logs.Len() != 0 {
		t.Errorf("opening a new database logged %q, want nothing", logs.String())
	}
}

// TestOpenTightensExistingDatabase: a database an earlier release left
// readable by everyone, with its WAL and shared-memory files (another
// process has it open), is made private on open, with a warning for each
// file; a file already private is left alone.
func TestOpenTightensExistingDatabase(t *testing.T) {
	withUmask(t)
	path := filepath.Join(t.TempDir(), "secusers.db")
	first := open(t, path)
	defer first.Close()
	modes := map[string]fs.FileMode{"": 0o644, "-wal": 0o664, "-shm": 0o600}
	for suffix, mode := range modes {
		if err := os.Chmod(path+suffix, mode); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	second := open(t, path, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	defer second.Close()
	for suffix := range modes {
		wantMode(t, path+suffix, 0o600)
	}
	for _, want := range []string{
		"level=WARN msg=\"a SQLite database file was readable by other users; it is now readable by its owner only\" file=" + path + " was=0644 now=0600",
		"file=" + path + "-wal was=0664 now=0600",
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs: got %q, want a line with %q", logs.String(), want)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != 2 {
		t.Errorf("logs: got %d lines, want 2 (none for the private -shm):\n%s", n, logs.String())
	}
	if _, err := second.Partners(t.Context()); err != nil {
		t.Errorf("Partners after tightening: %v", err)
	}
}
