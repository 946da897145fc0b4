package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// options collects what Option values set.
type options struct {
	now    func() time.Time
	logger *slog.Logger
}

// Option configures the store Open opens, whatever its backend.
type Option func(*options)

// WithClock makes the store take its time from now instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithLogger gives the store a logger for what it finds wrong on opening
// (SQLite: a database file other users could read, made private); without
// it, slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// Open opens the store that the --db value dsn names (see Parse) and brings
// its schema up to date.
func Open(ctx context.Context, dsn string, opts ...Option) (secusers.Store, error) {
	loc, err := Parse(dsn)
	if err != nil {
		return nil, err
	}
	return loc.Open(ctx, opts...)
}

// Open opens the store at l and brings its schema up to date: SQLite
// creates a missing file; PostgreSQL needs the database to exist.
func (l Location) Open(ctx context.Context, opts ...Option) (secusers.Store, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if l.Kind == PostgreSQL {
		return openPostgres(ctx, l.URL, o)
	}
	return openSQLite(ctx, l.Path, o)
}

// openSQLite opens the SQLite store at path.
func openSQLite(ctx context.Context, path string, o options) (secusers.Store, error) {
	var opts []sqlite.Option
	if o.now != nil {
		opts = append(opts, sqlite.WithClock(o.now))
	}
	if o.logger != nil {
		opts = append(opts, sqlite.WithLogger(o.logger))
	}
	s, err := sqlite.Open(ctx, path, opts...)
	if err != nil {
		// Not s itself: a nil *sqlite.Store would make a non-nil Store.
		return nil, err
	}
	return s, nil
}

// openPostgres opens the PostgreSQL store. The URL is passed on as it is
// and never echoed in an error: it may carry a password.
func openPostgres(ctx context.Context, dsn string, o options) (secusers.Store, error) {
	var opts []postgres.Option
	if o.now != nil {
		opts = append(opts, postgres.WithClock(o.now))
	}
	s, err := postgres.Open(ctx, dsn, opts...)
	if err != nil {
		// Not s itself: a nil *postgres.Store would make a non-nil Store.
		return nil, err
	}
	return s, nil
}
