// Package sqlite is the SQLite implementation of secusers.Store: the embedded
// default for a single server, a developer's machine and the tests. It uses
// the pure-Go driver modernc.org/sqlite (no cgo), runs the database in WAL
// mode so that readers never wait for the writer, and migrates its schema with
// versioned SQL files embedded in the binary.
//
// Every SQL statement of this backend lives in this package, so that other
// backends keep their own dialect and nothing is translated between them;
// every rule that does not depend on the database (validation, limits,
// messages, audit details, status bits) is the domain's, in
// internal/secusers. The two stores have the same file names, each holding
// the same methods, so that diffing them shows dialect and nothing else.
package sqlite
