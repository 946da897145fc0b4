package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/secusers/secusers/internal/secusers"
)

// migrations holds the versioned schema, NNNNN_name.sql files with goose's
// Up and Down sections. They ship inside the binary, so a server never runs
// against a schema from another release's files.
//
//go:embed migrations/*.sql
var migrations embed.FS

// lockRetrySeconds and lockRetries bound how long Open waits for another
// process's migrations: goose polls its advisory lock at most once a second,
// here for up to five minutes.
const (
	lockRetrySeconds = 1
	lockRetries      = 300
)

// migrate brings the schema up to date and returns the newest migration the
// binary embeds. It runs on connections of its own (database/sql over pgx,
// which goose needs) that it closes when done, so that goose's session-level
// advisory lock can never outlive it in a pooled connection. When nothing is
// pending, which is every start but the first of a release, it returns
// without taking the lock, so that servers starting together do not queue
// on it.
func migrate(ctx context.Context, cc *pgx.ConnConfig) (int64, error) {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	lockID, err := migrationLockID(ctx, db)
	if err != nil {
		return 0, err
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(lockRetrySeconds, lockRetries))
	if err != nil {
		return 0, err
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		// Go migrations registered globally by other packages are not ours.
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker),
	)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	sources := provider.ListSources()
	if len(sources) == 0 {
		return 0, fmt.Errorf("migrations: none embedded")
	}
	newest := sources[len(sources)-1].Version
	pending, err := provider.HasPending(ctx)
	if err != nil || !pending {
		return newest, err
	}
	if _, err := provider.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return newest, nil
}

// schemaVersionQuery reads the database's schema version as goose does:
// the newest migration applied (goose deletes a migration's row when it
// goes down). 0 when none is.
const schemaVersionQuery = `SELECT coalesce(max(version_id), 0) FROM goose_db_version`

// migrationLockID returns the advisory lock that guards the migrations of
// the schema the tables live in (the first of search_path). Advisory locks
// are per database, while goose's version table is per schema: one lock for
// every schema would make deployments (and tests) in separate schemas of one
// database wait for each other.
func migrationLockID(ctx context.Context, db *sql.DB) (int64, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, err
	}
	if !schema.Valid {
		return 0, secusers.Errorf(secusers.Invalid, "no schema of the DSN's search_path exists; create it first")
	}
	h := fnv.New64a()
	h.Write([]byte("secusers migrations\x00" + schema.String))
	return int64(h.Sum64()), nil
}

// openError reports a database that cannot be opened or migrated. The DSN
// is never part of the message: it may carry a password.
func openError(err error) error {
	var domain *secusers.Error
	if errors.As(err, &domain) {
		return err
	}
	kind := secusers.Internal
	if secusers.IsKind(translate(err, ""), secusers.Unavailable) {
		kind = secusers.Unavailable
	}
	return secusers.Wrap(kind, err, "cannot open the PostgreSQL database")
}
