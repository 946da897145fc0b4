// Package pgtest gives each test a fresh, empty and isolated place on a real
// PostgreSQL server: a new schema, named in the search_path of the DSN that
// DSN returns, dropped when the test ends. Schemas are cheap (no new
// database, no new connection per test beyond the store's own), so the
// conformance suite can open dozens of stores at once.
//
// The server is the one named by SECUSERS_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). When it cannot
// be reached, tests skip with a message saying so, unless
// SECUSERS_REQUIRE_POSTGRES=1 (as CI sets it) makes that a failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The environment variables pgtest reads, and the default server.
const (
	EnvDSN     = "SECUSERS_TEST_POSTGRES"
	EnvRequire = "SECUSERS_REQUIRE_POSTGRES"
	DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// schemaPrefix starts the name of every schema DSN makes; the Unix time of
// its creation follows, so that schemas left behind by a killed test run can
// be told apart from those of a run in progress, and dropped.
const schemaPrefix = "secusers_test_"

// staleAfter is how old a left-behind schema must be before a later run
// drops it.
const staleAfter = 24 * time.Hour

// server is the connection every test of the process shares to create and
// drop its schema, made once.
var server = sync.OnceValues(connect)

// DSN returns a DSN for a new, empty schema on the test server, which is
// dropped (with everything in it) when t ends; close the stores opened on it
// first, as t.Cleanup's order does when the store is opened after DSN is
// called. It skips t (or fails it, under SECUSERS_REQUIRE_POSTGRES=1) when
// the server cannot be reached.
func DSN(t testing.TB) string {
	t.Helper()
	base := BaseDSN()
	admin, err := server()
	if err != nil {
		unreachable(t, base, err)
	}
	schema := newSchemaName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() { drop(t, admin, schema) })
	// A test's commits need not survive a crash of the server; not
	// waiting for the WAL flush makes each one about 5 ms faster, which
	// adds up over the conformance suite. What a commit makes visible,
	// and when, does not change; but VACUUM cannot mark the pages of an
	// unflushed commit all-visible, so a benchmark of index-only scans
	// sets synchronous_commit back to on (WithParam).
	return WithParam(WithParam(base, "search_path", schema), "synchronous_commit", "off")
}

// BaseDSN returns the test server's DSN: SECUSERS_TEST_POSTGRES, or
// DefaultDSN when that is unset.
func BaseDSN() string {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// WithParam returns dsn with the connection parameter name set to value, for
// a URL (postgres://…?name=value) or a keyword/value DSN alike.
func WithParam(dsn, name, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set(name, value)
			// pgx unescapes the query as a path: "+" stays "+".
			u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
			return u.String()
		}
	}
	// In a keyword/value DSN a later keyword wins.
	return dsn + " " + name + "='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value) + "'"
}

// unreachable skips t, or fails it when the environment demands PostgreSQL.
func unreachable(t testing.TB, dsn string, err error) {
	t.Helper()
	msg := fmt.Sprintf("PostgreSQL not reachable at %s: %v; set %s", Describe(dsn), err, EnvDSN)
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, EnvRequire)
	}
	t.Skip(msg)
}

// Describe names the server of dsn as host:port/database, without user or
// password, for messages.
func Describe(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "(an unparsable " + EnvDSN + ")"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// connect opens the shared pool and checks that the server answers, then
// drops the schemas that killed runs left behind.
func connect() (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(BaseDSN())
	if err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", EnvDSN, err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	sweep(ctx, pool)
	return pool, nil
}

// sweep drops the test schemas older than staleAfter. It is best effort: a
// failure leaves them for the next run.
func sweep(ctx context.Context, pool *pgxpool.Pool) {
	rows, err := pool.Query(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, schemaPrefix)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range names {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(name, schemaPrefix), "_")
		created, err := strconv.ParseInt(stamp, 10, 64)
		if err == nil && time.Since(time.Unix(created, 0)) > staleAfter {
			pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`)
		}
	}
}

// newSchemaName returns a name no other test, in this process or another,
// uses.
func newSchemaName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%s%d_%s", schemaPrefix, time.Now().Unix(), hex.EncodeToString(b))
}

// drop drops the schema and everything in it. A store left open keeps
// locks that make the drop wait; the timeout turns that into an error that
// names the schema (which a later run sweeps).
func drop(t testing.TB, admin *pgxpool.Pool, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		t.Errorf("pgtest: drop schema %s (was a store left open?): %v", schema, err)
	}
}
