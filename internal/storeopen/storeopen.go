// Package storeopen turns the --db value of every command (spec/cli.md,
// "Where the data lives") into a secusers.Store: a file path or sqlite:PATH
// opens SQLite, a postgres:// or postgresql:// URL opens PostgreSQL. It is
// the one place that knows which backends exist, so the commands and the
// server stay free of driver imports.
package storeopen

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

// Default is the DSN used when neither --db nor SECUSERS_DB is given.
const Default = "./secusers.db"

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

// urlScheme matches the scheme of a URL-shaped DSN. A bare path never
// matches: it has no "://" after a letters-only prefix.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// Open opens the store that dsn names and brings its schema up to date.
//
//   - "PATH" or "sqlite:PATH" (also "sqlite://PATH", so that
//     "sqlite:///var/lib/secusers.db" is the absolute path) → SQLite, the
//     file created when missing;
//   - "postgres://…" or "postgresql://…" → PostgreSQL.
//
// Any other URL scheme is an Invalid error, rather than a file whose name
// starts with "mysql:", because it is far more likely a mistake.
func Open(ctx context.Context, dsn string, opts ...Option) (secusers.Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return openSQLite(ctx, strings.TrimPrefix(path, "//"), o)
	}
	if m := urlScheme.FindStringSubmatch(dsn); m != nil {
		switch strings.ToLower(m[1]) {
		case "postgres", "postgresql":
			// Schemes are case-insensitive (RFC 3986), pgx's check is not:
			// it would read "POSTGRES://…" as keyword=value settings.
			return openPostgres(ctx, strings.ToLower(m[1])+dsn[len(m[1]):], o)
		}
		return nil, secusers.Errorf(secusers.Invalid, "unsupported database URL scheme %q: use a file path, sqlite:PATH or postgres://…", m[1])
	}
	return openSQLite(ctx, dsn, o)
}

func openSQLite(ctx context.Context, path string, o options) (secusers.Store, error) {
	if strings.TrimSpace(path) == "" {
		return nil, secusers.Errorf(secusers.Invalid, "the database path is empty")
	}
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
