// Package postgres is the PostgreSQL implementation of secusers.Store: the
// backend for several stateless servers on one database. It uses pgx v5 and
// its pool (pgxpool), migrates its schema on Open with versioned SQL files
// embedded in the binary (goose, under a PostgreSQL advisory lock so that
// servers starting together migrate once), and behaves exactly as the SQLite
// store does: both pass the conformance suite in internal/store/storetest,
// and both order users by a sort key computed in Go and compared by bytes.
//
// Every administrative change appends its event to the audit trail in its
// own transaction, so the trail holds exactly the changes that happened.
//
// While the database is unreachable, calls fail fast with an error of kind
// secusers.Unavailable, and the pool reconnects by itself once it is back.
//
// Every SQL statement of this backend lives in this package, so that other
// backends keep their own dialect and nothing is translated between them;
// every rule that does not depend on the database (validation, limits,
// messages, audit details, status bits) is the domain's, in
// internal/secusers. The two stores have the same file names, each holding
// the same methods, so that diffing them shows dialect and nothing else.
package postgres
