package sqlite

import (
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/secusers/secusers/internal/secusers"
)

// TestClassifyLockFamily checks that every result code of the lock family,
// extended codes included, is Unavailable, beside the other codes
// translate knows.
func TestClassifyLockFamily(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		code int
		want secusers.Kind
	}{
		{"BUSY", sqlite3.SQLITE_BUSY, secusers.Unavailable},
		{"BUSY_RECOVERY", sqlite3.SQLITE_BUSY_RECOVERY, secusers.Unavailable},
		{"BUSY_SNAPSHOT", sqlite3.SQLITE_BUSY_SNAPSHOT, secusers.Unavailable},
		{"BUSY_TIMEOUT", sqlite3.SQLITE_BUSY_TIMEOUT, secusers.Unavailable},
		{"LOCKED", sqlite3.SQLITE_LOCKED, secusers.Unavailable},
		{"LOCKED_SHAREDCACHE", sqlite3.SQLITE_LOCKED_SHAREDCACHE, secusers.Unavailable},
		{"LOCKED_VTAB", sqlite3.SQLITE_LOCKED_VTAB, secusers.Unavailable},
		{"PROTOCOL", sqlite3.SQLITE_PROTOCOL, secusers.Unavailable},
		{"IOERR_SHORT_READ", sqlite3.SQLITE_IOERR_SHORT_READ, secusers.Unavailable},
		{"CANTOPEN", sqlite3.SQLITE_CANTOPEN, secusers.Unavailable},
		{"FULL", sqlite3.SQLITE_FULL, secusers.Unavailable},
		{"READONLY", sqlite3.SQLITE_READONLY, secusers.Unavailable},
		{"CONSTRAINT_UNIQUE", sqlite3.SQLITE_CONSTRAINT_UNIQUE, secusers.Conflict},
		{"CONSTRAINT_PRIMARYKEY", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, secusers.Conflict},
		{"CONSTRAINT_FOREIGNKEY", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, secusers.NotFound},
		{"CONSTRAINT_CHECK", sqlite3.SQLITE_CONSTRAINT_CHECK, secusers.Internal},
		{"ERROR", sqlite3.SQLITE_ERROR, secusers.Internal},
		{"CORRUPT", sqlite3.SQLITE_CORRUPT, secusers.Internal},
	} {
		if got, msg := classify(tc.code, "partner p"); got != tc.want || (got != secusers.Internal && msg == "") {
			t.Errorf("classify(%s = %d): got %v, %q, want %v with a message", tc.name, tc.code, got, msg, tc.want)
		}
	}
}
