package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secusers/secusers/internal/secusers"
)

// readyQuery reads, in one statement and one round trip, the schema version
// and whether an application table answers: a database re-created empty,
// or restored without the tables, fails it.
const readyQuery = `SELECT (` + schemaVersionQuery + `), EXISTS (SELECT 1 FROM partners)`

// Ping reports whether the store is ready to serve. It goes through the
// pool, so it also tells whether the pool can make a connection; it reads
// the schema version, which must be at least this binary's
// (secusers.CheckSchema), and an application table.
func (s *Store) Ping(ctx context.Context) error {
	var version int64
	var someone bool // whether there is a partner: read, not judged
	if err := s.pool.QueryRow(ctx, readyQuery).Scan(&version, &someone); err != nil {
		return notReady(translate(err, ""))
	}
	return secusers.CheckSchema(version, s.schema)
}

// notReady makes a failed readiness read Unavailable. A table that does not
// exist (SQLSTATE 42P01) means the schema is gone; whatever else failed,
// the store cannot serve either.
func notReady(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
		return secusers.NoSchema(err)
	}
	return secusers.NotReady(err, "the PostgreSQL database cannot be read")
}
