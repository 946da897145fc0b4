package sqlite

import (
	"database/sql"

	"github.com/secusers/secusers/internal/secusers"
)

// scanner is what *sql.Row and *sql.Rows have in common, so that one scan
// function reads a record from either. It is the domain's Row, so that the
// domain's scan functions (secusers.ScanTenantConnection, …) pass to collect as they
// are.
type scanner = secusers.Row

// collect reads every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := eachRow(rows, func(row scanner) error {
		v, err := scan(row)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow calls fn with every row, until fn fails, and closes rows.
func eachRow(rows *sql.Rows, fn func(scanner) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// affected returns how many rows the statement that returned res and err
// changed, or its error: one check where a caller wants both.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
