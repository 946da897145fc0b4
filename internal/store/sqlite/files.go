package sqlite

import (
	"path/filepath"
	"strings"
)

// The files this store keeps beside a database at PATH, besides SQLite's own
// PATH-wal and PATH-shm. Every process on the machine must compute the same
// names, so they are named here once; internal/store hands them to the
// processes that share the locks (the schedule's migrations) and adds the
// key file.

// LockPath is the file whose exclusive lock serialises schema migrations,
// this store's and River's alike: PATH.lock.
func LockPath(path string) string { return path + ".lock" }

// SyncLockPath is the file whose exclusive lock a sync of the tenant holds:
// PATH.sync-TENANT.lock.
func SyncLockPath(path, tenantID string) string { return path + ".sync-" + tenantID + ".lock" }

// URI is the modernc.org/sqlite driver's data source name for the database
// file at path with the given parameters ("_pragma=busy_timeout(5000)",
// "_txlock=immediate", …): a file: URI, so that every connection names the
// file the same way. The path is cleaned (which also folds a leading "//"
// that a URI would read as a host) and its "%", "?" and "#" escaped, so
// that a file name holding them is not taken for the parameters.
func URI(path string, params ...string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.Clean(path))
	return "file:" + escaped + "?" + strings.Join(params, "&")
}
