package postgres

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secusers/secusers/internal/secusers"
)

// Store is a secusers.Store kept in a PostgreSQL database. It is safe for
// concurrent use by many goroutines, and any number of processes may use the
// same database at once.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// lockPing is how often a held sync lock's session is checked
	// (defaultLockPing; tests shorten it).
	lockPing time.Duration
	// schema is the newest migration the binary embeds: Ping wants the
	// database at least there.
	schema int64
	// longestWrite is the longest a write transaction lasted, in
	// nanoseconds (LongestWrite).
	longestWrite atomic.Int64
}

var _ secusers.Store = (*Store)(nil)

// Option configures a Store opened by Open.
type Option func(*Store)

// WithClock makes the store take the time it stamps records with (CreatedAt,
// RetiredAt) from now instead of time.Now, so that tests can pin it.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open connects to the PostgreSQL database that dsn names (a postgres:// URL
// or keyword=value string, as libpq and pgx read them) and brings its schema
// up to date. Several processes may open one database at once: one of them
// migrates, the others wait for it. The tables live in the first schema of
// the connection's search_path, so a DSN with search_path=NAME keeps a
// deployment (or a test) in a schema of its own.
//
// The pool's size comes from the DSN's pool_max_conns (pgxpool's default
// otherwise: 4, or the number of CPUs if more).
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg, err := poolConfig(dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{now: time.Now, lockPing: defaultLockPing}
	for _, opt := range opts {
		opt(s)
	}
	if s.schema, err = migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, openError(err)
	}
	// The pool is made after the migrations, so that no pooled connection
	// has cached a statement against a half-made schema.
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, openError(err)
	}
	return s, nil
}

// Close closes the pool. It waits for connections in use to be released, a
// Users sequence still being consumed among them.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
