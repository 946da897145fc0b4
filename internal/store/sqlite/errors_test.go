package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
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
		err := secusers.StoreError(errors.New("driver error"), "partner p", classify(tc.code))
		if got, msg := secusers.KindOf(err), secusers.MessageOf(err); got != tc.want || (got != secusers.Internal && msg == "") {
			t.Errorf("classify(%s = %d): got %v, %q, want %v with a message", tc.name, tc.code, got, msg, tc.want)
		}
	}
}

// TestTranslate checks the error mapping with errors the driver really
// returns, so that a driver upgrade that changes codes shows here.
func TestTranslate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "errors.db")
	s := open(t, path)
	defer s.Close()
	ctx := t.Context()
	_, err := s.writer.ExecContext(ctx, `INSERT INTO tenants (id, customer_id, name, created_at) VALUES ('t', 'missing', 'n', 0)`)
	if got := secusers.KindOf(translate(err, "tenant t")); got != secusers.NotFound {
		t.Errorf("foreign key violation %v: got kind %v, want not found", err, got)
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO partners (id, name, created_at) VALUES ('p', 'n', 0), ('p', 'n', 0)`)
	if got := secusers.KindOf(translate(err, "partner p")); got != secusers.Conflict {
		t.Errorf("primary key violation %v: got kind %v, want conflict", err, got)
	}
	if got := secusers.KindOf(translate(sql.ErrNoRows, "partner p")); got != secusers.NotFound {
		t.Errorf("no rows: got kind %v, want not found", got)
	}

	// A second writer that may not wait finds the database busy.
	holder, err := s.writer.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	impatient, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	_, err = impatient.BeginTx(ctx, nil)
	if got := secusers.KindOf(translate(err, "")); got != secusers.Unavailable {
		t.Errorf("busy database %v: got kind %v, want unavailable", err, got)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := translate(canceled.Err(), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: got %v, want context.Canceled", err)
	}
}
