package schedule

import (
	"regexp"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// database is the kind of database a DSN names.
type database int

const (
	sqliteDatabase database = iota
	postgresDatabase
)

// urlScheme matches the scheme of a URL-shaped DSN; a bare path never
// matches.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// parseDSN reads a --db value the way storeopen.Open does (spec/cli.md,
// "Where the data lives"), so that the jobs always land in the database
// the store uses: "PATH", "sqlite:PATH" or "sqlite://PATH" is SQLite,
// "postgres://…" or "postgresql://…" PostgreSQL. It returns the file path
// or the PostgreSQL DSN. storeopen keeps its parsing unexported; were it
// exported, this would call it.
func parseDSN(dsn string) (database, string, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqlitePath(strings.TrimPrefix(path, "//"))
	}
	if m := urlScheme.FindStringSubmatch(dsn); m != nil {
		switch scheme := strings.ToLower(m[1]); scheme {
		case "postgres", "postgresql":
			// pgx checks the scheme case-sensitively.
			return postgresDatabase, scheme + dsn[len(m[1]):], nil
		}
		return 0, "", secusers.Errorf(secusers.Invalid, "unsupported database URL scheme %q: use a file path, sqlite:PATH or postgres://…", m[1])
	}
	return sqlitePath(dsn)
}

// sqlitePath checks a SQLite database path. River's jobs must outlive the
// process and be shared with other processes, so an in-memory database
// will not do.
func sqlitePath(path string) (database, string, error) {
	if strings.TrimSpace(path) == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return 0, "", secusers.Errorf(secusers.Invalid, "the SQLite database must be a file path, got %q", path)
	}
	return sqliteDatabase, path, nil
}
