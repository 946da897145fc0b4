package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/secusers/secusers/internal/secusers"
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
	// stmts are the reader's prepared statements (see statement).
	stmts  statements
	now    func() time.Time
	path   string // the database file; its sync locks live beside it
	logger *slog.Logger
	// schema is the newest migration the binary embeds: Ping wants the
	// database at least there.
	schema int64
	// readStarters and writeStarters start the transactions of each pool
	// for within, as many at once as the pool has connections.
	readStarters, writeStarters *starters
	// longestWrite is the longest a write transaction held the write
	// lock, in nanoseconds (LongestWrite).
	longestWrite atomic.Int64
}

var _ secusers.Store = (*Store)(nil)

// Option configures a Store opened by Open.
type Option func(*Store)

// WithClock makes the store take the time it stamps records with (CreatedAt)
// from now instead of time.Now, so that tests can pin it.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// WithLogger makes the store log what it finds wrong on opening (a
// database other users could read) to logger instead of slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(s *Store) { s.logger = logger }
}

// Open opens the SQLite database at path, creating the file when it does not
// exist, and brings its schema up to date. path is a file path, not a DSN.
// Opening the same new file from several processes at once is safe: the
// migrations run under an exclusive lock on path+".lock". The database, its
// WAL and shared-memory files and the lock file are readable by their owner
// only (see private).
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, secusers.Errorf(secusers.Invalid, "the SQLite database must be a file path, got %q", path)
	}
	s := &Store{now: time.Now, logger: slog.Default()}
	for _, opt := range opts {
		opt(s)
	}
	if err := private(path, s.logger); err != nil {
		return nil, openError(path, err)
	}
	// The writer's page cache is 16 MiB: a generation's chunks insert
	// into the indexes at random places, and a cache that held them all
	// (hundreds of MB for a million users) would be resident memory; the
	// pages it misses come from the OS's page cache, shared and not the
	// process's. SQLite's own WAL checkpoints (every 1,000 pages) keep the
	// WAL, and each checkpoint, small. NORMAL is safe from corruption in WAL
	// mode; a power cut can lose the last commits, which the next sync or
	// import writes again (only the writer commits).
	writer, err := pool(path, []string{"_txlock=immediate"},
		`PRAGMA cache_size = -16384`, `PRAGMA synchronous = NORMAL`)
	if err != nil {
		return nil, openError(path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	s.writeStarters = newStarters(1)
	if s.schema, err = migrate(ctx, writer, path); err != nil {
		writer.Close()
		return nil, openError(path, err)
	}
	// The read pool is opened after the migrations so that its connections
	// never see a half-made schema. query_only guards against a write
	// slipping into a read path, where it would bypass the IMMEDIATE lock.
	// Each reader keeps a small page cache, 1 MiB (2 MiB of memory: the
	// pure-Go driver gives a 4 KiB page an 8 KiB slot): the OS's page cache
	// holds the database for all of them and counts in no process's
	// memory. At 16 MiB each, four readers walking a 100,000-user tenant's
	// pages held 150 MB and served fewer pages a second than now (issue 12).
	reader, err := pool(path, []string{"_pragma=query_only(1)"}, `PRAGMA cache_size = -1024`)
	if err != nil {
		writer.Close()
		return nil, openError(path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.readStarters = newStarters(n)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	stmts, err := prepareReads(ctx, reader)
	if err != nil {
		reader.Close()
		writer.Close()
		return nil, openError(path, err)
	}
	s.writer, s.reader, s.stmts, s.path = writer, reader, stmts, path
	return s, nil
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

// Close closes both connection pools. Like sql.DB.Close, it waits for
// queries in progress, a Users sequence still being consumed among them.
func (s *Store) Close() error {
	defer s.readStarters.close()
	defer s.writeStarters.close()
	return errors.Join(s.stmts.close(), s.reader.Close(), s.writer.Close())
}
