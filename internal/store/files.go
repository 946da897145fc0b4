package store

import "github.com/secusers/secusers/internal/store/sqlite"

// The files kept beside an SQLite database at PATH, all readable by their
// owner only. SQLite itself adds PATH-wal and PATH-shm while the database
// is open. The names are part of the operator's contract (README: the
// database's ".lock" file; the key file "secusers.db.key"), and every
// process on the machine must compute the same ones: the store's own lock
// files are named by internal/store/sqlite, and the key file here.

// KeyFile is where the master key of a database without SECUSERS_MASTER_KEY
// lives: PATH.key beside an SQLite database. It is "" for PostgreSQL, whose
// servers must share one key, so that a key file on one of them would be no
// key at all for the others.
func (l Location) KeyFile() string {
	return l.beside(".key")
}

// MigrationLock is the file whose exclusive lock serialises schema
// migrations, the store's and the schedule's (River's tables) alike:
// PATH.lock beside an SQLite database, "" for PostgreSQL, whose migrations
// take advisory locks instead.
func (l Location) MigrationLock() string {
	if l.Kind != SQLite {
		return ""
	}
	return sqlite.LockPath(l.Path)
}

// SyncLock is the file whose exclusive lock a sync of the tenant holds:
// PATH.sync-TENANT.lock beside an SQLite database, "" for PostgreSQL,
// whose sync locks are advisory locks.
func (l Location) SyncLock(tenantID string) string {
	if l.Kind != SQLite {
		return ""
	}
	return sqlite.SyncLockPath(l.Path, tenantID)
}

// beside returns PATH+suffix for an SQLite database, "" otherwise.
func (l Location) beside(suffix string) string {
	if l.Kind != SQLite {
		return ""
	}
	return l.Path + suffix
}

// SQLiteURI is the modernc.org/sqlite driver's data source name for the
// database file with the given parameters ("_pragma=busy_timeout(5000)",
// "_txlock=immediate", …): a file: URI, so that every connection names the
// file the same way. The path is cleaned (which also folds a leading "//"
// that a URI would read as a host) and its "%", "?" and "#" escaped, so that
// a file name holding them is not taken for the parameters. It is "" for
// PostgreSQL.
func (l Location) SQLiteURI(params ...string) string {
	if l.Kind != SQLite {
		return ""
	}
	return sqlite.URI(l.Path, params...)
}
