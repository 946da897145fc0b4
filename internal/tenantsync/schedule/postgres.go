package schedule

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/secusers/secusers/internal/secusers"
)

// pgConnectTimeout bounds making one connection, as the store's does, so
// that an unreachable database fails Start instead of hanging it. A DSN's
// own connect_timeout wins.
const pgConnectTimeout = 2 * time.Second

// openPostgres opens River's own pool on the database dsn names, brings
// River's tables up to date and makes the client. The pool is River's
// alone, not the store's: River keeps one connection for LISTEN and polls
// with others, which must not take the slots of the API's requests.
func openPostgres(ctx context.Context, dsn string, rc *river.Config) (riverClient, func() error, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// No cause: pgx quotes the DSN, which may carry a password.
		return nil, nil, secusers.Errorf(secusers.Invalid, "schedule: the PostgreSQL DSN cannot be parsed; check its syntax (postgres://USER@HOST:PORT/DATABASE?…)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = pgConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		// So that an operator can tell River's sessions from the store's.
		cfg.ConnConfig.RuntimeParams["application_name"] = "secusers-schedule"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, pgError(err)
	}
	driver := riverpgxv5.New(pool)
	if err := migratePostgres(ctx, cfg, driver, rc); err != nil {
		pool.Close()
		return nil, nil, pgError(err)
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("schedule: %w", err)
	}
	return client, func() error { pool.Close(); return nil }, nil
}

// migratePostgres brings River's tables up to date. rivermigrate takes no
// lock, so the migrations run while a connection of their own holds an
// advisory lock: servers starting together on a new database queue on it,
// and each finds the work done by the one before. The lock is a session
// lock on a connection outside the pool, closed when done, so that it can
// never outlive the migrations in a pooled connection. When nothing is
// pending, which is every start but the first after a River upgrade, no
// lock is taken.
func migratePostgres(ctx context.Context, cfg *pgxpool.Config, driver *riverpgxv5.Driver, rc *river.Config) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: rc.Logger})
	if err != nil {
		return err
	}
	if res, err := migrator.Validate(ctx, nil); err != nil {
		return fmt.Errorf("check River's tables: %w", err)
	} else if res.OK {
		return nil
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := lockMigrations(ctx, conn); err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate River's tables: %w", err)
	}
	return nil
}

// lockMigrations takes the advisory lock that guards River's migrations in
// the current schema (the first of search_path, where River's tables go);
// closing conn releases it. It is keyed by schema because advisory locks
// are per database while River's tables are per schema: deployments and
// tests in separate schemas must not wait for each other.
func lockMigrations(ctx context.Context, conn *pgx.Conn) error {
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if schema == nil {
		return secusers.Errorf(secusers.Invalid, "schedule: no schema of the DSN's search_path exists; create it first")
	}
	h := fnv.New64a()
	h.Write([]byte("secusers river migrations\x00" + *schema))
	_, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(h.Sum64()))
	return err
}

// pgError reports a database that cannot be reached or migrated, without
// the DSN, which may carry a password.
func pgError(err error) error {
	var domain *secusers.Error
	if errors.As(err, &domain) {
		return err
	}
	return secusers.Wrap(secusers.Unavailable, err, "schedule: cannot open the PostgreSQL database")
}
