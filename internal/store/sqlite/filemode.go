package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// privateMode is the mode of the database file. The database holds every
// tenant's directory data, the hashes of the apps' secrets and the audit
// trail, so no other local user may read it, as none may read the key file,
// the exports, the sync spool or the lock files. SQLite gives the WAL and
// shared-memory files it makes beside the database the database's mode.
const privateMode fs.FileMode = 0o600

// sideFiles are the suffixes of the files SQLite keeps beside the database
// while it is open: they hold the database's recent pages.
var sideFiles = []string{"-wal", "-shm"}

// private makes the database at path readable by its owner only: it
// creates a missing file with privateMode before the driver would create it
// with 0644 (under the usual umask 022), and takes the group's and others'
// permissions off an existing database and its side files, logging a
// warning for each it changes (a database made by an earlier release) or
// cannot change (a file of another owner: the store still opens, and the
// operator is told).
func private(path string, logger *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, privateMode)
	if err != nil {
		return err // a *PathError: the path and the reason
	}
	f.Close()
	tighten(path, logger)
	for _, suffix := range sideFiles {
		tighten(path+suffix, logger)
	}
	return nil
}

// tighten takes the group's and others' permissions off the file name, if
// it exists and has any.
func tighten(name string, logger *slog.Logger) {
	fi, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		logger.Warn("cannot check the mode of a SQLite database file", slog.String("file", name), slog.Any("err", err))
		return
	}
	was := fi.Mode().Perm()
	if was&0o077 == 0 {
		return
	}
	now := was &^ 0o077
	if err := os.Chmod(name, now); err != nil {
		logger.Warn("a SQLite database file is readable by other users and its mode cannot be changed",
			slog.String("file", name), slog.String("mode", octal(was)), slog.Any("err", err))
		return
	}
	logger.Warn("a SQLite database file was readable by other users; it is now readable by its owner only",
		slog.String("file", name), slog.String("was", octal(was)), slog.String("now", octal(now)))
}

// octal writes a permission the way chmod takes it.
func octal(m fs.FileMode) string { return fmt.Sprintf("%04o", uint32(m)) }
