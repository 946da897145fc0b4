package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secusers/secusers/internal/secusers"
)

// querier is what a transaction and the pool have in common, so that a
// helper runs inside an exported method's transaction or, for a
// single-statement read, straight on the pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// collect reads every row with scan and closes rows. scan takes a pgx.Row,
// so that one scan function reads a record from QueryRow or from Query.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
}

// exists returns NotFound naming kind and id unless query, given id, finds a
// row.
func exists(ctx context.Context, q querier, query, id, kind string) error {
	var one int
	err := q.QueryRow(ctx, query, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return secusers.Missing(kind, id)
	}
	return err
}
