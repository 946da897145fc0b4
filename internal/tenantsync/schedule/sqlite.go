package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gofrs/flock"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"

	// The pure-Go driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// sqliteBusyTimeout is how long a River statement may wait for another
// connection's write lock, in this process or another: SQLite's usual ten
// seconds, as the store's own connections wait. No writer holds the lock
// for long: a sync writes a tenant's users as a generation, in short
// transactions (TestSQLiteAnswersWhileALargeTenantIsWritten). River bounds
// its statements with contexts in any case (ten seconds for completions,
// which it then retries, keeping the job's result until it is written),
// and the driver interrupts a statement waiting for the lock when its
// context ends; a fetch or a plan that fails is logged and tried again at
// the next poll or attempt.
const sqliteBusyTimeout = 10 * time.Second

// lockRetry is how often Start retries the migration lock while another
// process holds it.
const lockRetry = 50 * time.Millisecond

// openSQLite opens River's connection to the SQLite file at loc, brings
// River's tables up to date and makes the client.
func openSQLite(ctx context.Context, loc store.Location, rc *river.Config) (riverClient, func() error, error) {
	db, err := sql.Open("sqlite", sqliteDSN(loc))
	if err != nil {
		return nil, nil, sqliteError(loc, err)
	}
	// One connection, as River's SQLite driver asks: River runs many
	// statements concurrently, and SQLite runs one write at a time.
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	if err := migrateSQLite(ctx, driver, loc, rc); err != nil {
		db.Close()
		return nil, nil, sqliteError(loc, err)
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("schedule: %w", err)
	}
	return client, db.Close, nil
}

// sqliteDSN is the driver's data source name for the database at loc, with
// the same file-wide settings as the store's connections (WAL, which lets
// readers and the one writer proceed together) and transactions that take
// the write lock when they begin: a transaction that upgrades a read lock
// later fails at once with SQLITE_BUSY instead of waiting its turn. The
// file is named as the store names it (store.Location.SQLiteURI), so the
// jobs land in the store's file whatever its path holds.
func sqliteDSN(loc store.Location) string {
	return loc.SQLiteURI(
		fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_txlock=immediate",
	)
}

// migrateSQLite brings River's tables up to date under an exclusive lock on
// the store's migration lock (store.Location.MigrationLock): rivermigrate
// takes no lock of its own, and servers starting together on a new file
// would otherwise all create the same tables.
func migrateSQLite(ctx context.Context, driver *riversqlite.Driver, loc store.Location, rc *river.Config) error {
	lock := flock.New(loc.MigrationLock())
	locked, err := lock.TryLockContext(ctx, lockRetry)
	if err != nil {
		return fmt.Errorf("lock %s: %w", lock.Path(), err)
	}
	if !locked {
		return fmt.Errorf("lock %s: %w", lock.Path(), ctx.Err())
	}
	defer lock.Unlock()
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: rc.Logger})
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate River's tables: %w", err)
	}
	return nil
}

// sqliteError reports a database that cannot be opened or migrated. The
// path is the operator's own, so it is safe to show.
func sqliteError(loc store.Location, err error) error {
	return secusers.Wrap(secusers.Unavailable, err, fmt.Sprintf("schedule: cannot open the SQLite database %q", loc.Path))
}
