package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"secusers/internal/secusers"

	// The pure-Go driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// Store is a secusers.Store kept in one SQLite file. It is safe for
// concurrent use by many goroutines, and several processes may open the same
// file at once.
type Store struct {
	// writer has a single connection whose transactions begin IMMEDIATE: a
	// write transaction takes the database's write lock up front, so it
	// never fails halfway when it would upgrade a read lock, and writers in
	// this process queue in the pool instead of polling SQLite's busy handler.
	writer *sql.DB
	// reader has several connections; WAL lets them read a consistent
	// snapshot while the writer writes.
	reader *sql.DB
	now    func() time.Time
	path   string // the database file; its sync locks live beside it

	// ReplaceUsers takes the bulk path (see replacement.maybeBulk) for a
	// tenant of at least bulkMin users (0: never) that has at least
	// 1/bulkShare as many users as all other tenants together. Open sets
	// the defaults; tests change them.
	bulkMin   int64
	bulkShare int64
}

var _ secusers.Store = (*Store)(nil)

// Option configures a Store opened by Open.
type Option func(*Store)

// WithClock makes the store take the time it stamps records with (CreatedAt)
// from now instead of time.Now, so that tests can pin it.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// busyTimeout is how long a statement waits for another process's lock
// before it fails with SQLITE_BUSY (which the store reports as Unavailable).
const busyTimeout = 10 * time.Second

// Open opens the SQLite database at path, creating the file when it does not
// exist, and brings its schema up to date. path is a file path, not a DSN.
// Opening the same new file from several processes at once is safe: the
// migrations run under an exclusive lock on path+".lock".
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, secusers.Errorf(secusers.Invalid, "the SQLite database must be a file path, got %q", path)
	}
	s := &Store{now: time.Now, bulkMin: defaultBulkMin, bulkShare: defaultBulkShare}
	for _, opt := range opts {
		opt(s)
	}
	// The writer's page cache holds a ReplaceUsers below the bulk path's
	// size (100,000 users touch about 50 MB of pages) without spilling to
	// disk mid-transaction. A larger one does not pay for itself: see
	// replacement.goBulk.
	writer, err := sql.Open("sqlite", dsn(path, "_txlock=immediate", "_pragma=cache_size(-65536)"))
	if err != nil {
		return nil, openError(path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	if err := migrate(ctx, writer, path); err != nil {
		writer.Close()
		return nil, openError(path, err)
	}
	// The read pool is opened after the migrations so that its connections
	// never see a half-made schema. query_only guards against a write
	// slipping into a read path, where it would bypass the IMMEDIATE lock.
	reader, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)", "_pragma=cache_size(-16384)"))
	if err != nil {
		writer.Close()
		return nil, openError(path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	s.writer, s.reader, s.path = writer, reader, path
	return s, nil
}

// dsn returns the driver's data source name for the file at path. The path
// goes in a file: URI, escaped, so that a "?" or "#" in a file name cannot be
// taken for the start of the parameters.
func dsn(path string, extra ...string) string {
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		// NORMAL is safe from corruption in WAL mode; a power cut can lose
		// the last commits, which the next sync or import writes again.
		"_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)",
		// Reads of the database file go through the OS's page cache,
		// shared by every connection, instead of read calls.
		"_pragma=mmap_size(268435456)",
	}
	params = append(params, extra...)
	// Clean also folds a leading "//", which a URI would read as a host.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.Clean(path))
	return "file:" + escaped + "?" + strings.Join(params, "&")
}

// openError reports a database that cannot be opened or migrated. The path
// is the operator's own, so it is safe to show.
func openError(path string, err error) error {
	var domain *secusers.Error
	if errors.As(err, &domain) {
		return err
	}
	return secusers.Wrap(secusers.Unavailable, err, fmt.Sprintf("cannot open the SQLite database %q", path))
}

// Ping reports whether the database can be read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return translate(s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one), "")
}

// Close closes both connection pools. Like sql.DB.Close, it waits for
// queries in progress, a Users sequence still being consumed among them.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}
