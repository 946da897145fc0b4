package secusers

// Row is one row of a query result, as both stores' drivers give it
// (database/sql's *sql.Row and *sql.Rows, pgx's pgx.Row). The domain's scan
// functions take it, so that which column lands in which field is written
// once for both stores.
type Row interface {
	Scan(dest ...any) error
}
