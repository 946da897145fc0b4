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
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// affected returns how many rows the statement that returned res and err
// changed, or its error: one check where a caller wants both.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
