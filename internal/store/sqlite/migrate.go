package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/gofrs/flock"
	"github.com/pressly/goose/v3"
)

// migrations holds the versioned schema, NNNNN_name.sql files with goose's
// Up and Down sections. They ship inside the binary, so a server never runs
// against a schema from another release's files.
//
//go:embed migrations/*.sql
var migrations embed.FS

// lockRetry is how often Open retries the migration lock while another
// process holds it.
const lockRetry = 50 * time.Millisecond

// migrate brings the schema of the database at path up to date and returns
// the newest migration the binary embeds. It holds an exclusive lock on
// path+".lock" meanwhile: goose's SQLite dialect has no lock of its own, and
// two processes starting on a new file would otherwise both try to create
// the same tables. The lock also covers switching a new file to WAL mode,
// which the file keeps from then on.
func migrate(ctx context.Context, db *sql.DB, path string) (int64, error) {
	lock := flock.New(LockPath(path))
	locked, err := lock.TryLockContext(ctx, lockRetry)
	if err != nil {
		return 0, fmt.Errorf("lock %s: %w", lock.Path(), err)
	}
	if !locked {
		return 0, fmt.Errorf("lock %s: %w", lock.Path(), ctx.Err())
	}
	defer lock.Unlock()

	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		return 0, fmt.Errorf("WAL mode: %w", err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, fsys,
		// Go migrations registered globally by other packages are not ours.
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	sources := provider.ListSources()
	if len(sources) == 0 {
		return 0, fmt.Errorf("migrations: none embedded")
	}
	return sources[len(sources)-1].Version, nil
}

// schemaVersionQuery reads the database's schema version as goose does:
// the newest migration applied (goose deletes a migration's row when it
// goes down). 0 when none is.
const schemaVersionQuery = `SELECT coalesce(max(version_id), 0) FROM goose_db_version`
