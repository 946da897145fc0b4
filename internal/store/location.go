// Package store is where the data lives: it reads the --db value of every
// command (spec/cli.md, "Where the data lives") into a Location, names the
// files kept beside an SQLite database, and opens the store a Location
// names. It is the one place that knows which backends exist and how a DSN
// names them, so the commands, the schedule and the key file agree on the
// database without parsing the DSN themselves. The backends live beneath
// it: store/sqlite and store/postgres.
package store

import (
	"regexp"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// Default is the DSN used when neither --db nor SECUSERS_DB is given.
const Default = "./secusers.db"

// Kind is the backend a Location names.
type Kind int

// The backends. The zero Kind is no location at all, so that a Location
// nobody parsed is refused rather than taken for SQLite.
const (
	SQLite Kind = iota + 1
	PostgreSQL
)

// String names the backend, for messages.
func (k Kind) String() string {
	switch k {
	case SQLite:
		return "SQLite"
	case PostgreSQL:
		return "PostgreSQL"
	}
	return "no database"
}

// Location is a database as a --db value names it. Make one with Parse.
type Location struct {
	Kind Kind
	// Path is the SQLite database file, as given (relative paths stay
	// relative): the files beside it are named from it.
	Path string
	// URL is the PostgreSQL DSN, its scheme in lower case (pgx checks the
	// scheme case-sensitively). It may hold a password: never show it.
	URL string
}

// urlScheme matches the scheme of a URL-shaped DSN. A bare path never
// matches: it has no "://" after a letters-only prefix.
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// Parse reads a --db value:
//
//   - "PATH" or "sqlite:PATH" (also "sqlite://PATH", so that
//     "sqlite:///var/lib/secusers.db" is the absolute path) → SQLite;
//   - "postgres://…" or "postgresql://…", in any letter case → PostgreSQL.
//
// Any other URL scheme is an Invalid error, rather than a file whose name
// starts with "mysql:", because it is far more likely a mistake. So is an
// SQLite database that is not a file (":memory:", a "file:" URI): the
// schedule's jobs and the key file must outlive the process, beside a file
// every process can open. So is a PostgreSQL keyword/value DSN
// ("host=db user=… password=…"), which would otherwise become the name of a
// new SQLite file, with the password in it. Errors never quote a PostgreSQL
// DSN, which may carry a password.
func Parse(dsn string) (Location, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return sqliteAt(strings.TrimPrefix(path, "//"))
	}
	if m := urlScheme.FindStringSubmatch(dsn); m != nil {
		switch scheme := strings.ToLower(m[1]); scheme {
		case "postgres", "postgresql":
			return Location{Kind: PostgreSQL, URL: scheme + dsn[len(m[1]):]}, nil
		}
		return Location{}, secusers.Errorf(secusers.Invalid, "unsupported database URL scheme %q: use a file path, sqlite:PATH or postgres://…", m[1])
	}
	if looksLikeKeywordDSN(dsn) {
		return Location{}, secusers.Errorf(secusers.Invalid,
			"the database looks like a PostgreSQL keyword/value DSN (host=… dbname=…); give it as a postgres:// URL, or a file path for SQLite")
	}
	return sqliteAt(dsn)
}

// keywordDSN matches the start of a libpq keyword/value connection string:
// a keyword of letters and underscores, then "=".
var keywordDSN = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// looksLikeKeywordDSN reports whether a --db value reads as a libpq
// keyword/value connection string rather than a file path. A file name
// with "=" in it is possible, but one that starts with "host=" and holds a
// space is far more likely a connection string given where a URL belongs.
func looksLikeKeywordDSN(dsn string) bool {
	return keywordDSN.MatchString(dsn) && strings.ContainsAny(dsn, " \t")
}

// sqliteAt returns the Location of the SQLite file at path, or why path is
// none.
func sqliteAt(path string) (Location, error) {
	loc := Location{Kind: SQLite, Path: path}
	return loc, loc.Validate()
}

// Validate reports why l names no database Open could open: the zero
// Location, an SQLite path that is blank or not a file, or a PostgreSQL
// Location without a URL. Parse never returns such a Location; a Location
// made by hand is checked the same way by everyone who takes one.
func (l Location) Validate() error {
	switch l.Kind {
	case SQLite:
		switch {
		case strings.TrimSpace(l.Path) == "":
			return secusers.Errorf(secusers.Invalid, "the database path is empty")
		case l.Path == ":memory:" || strings.HasPrefix(l.Path, "file:"):
			return secusers.Errorf(secusers.Invalid, "the SQLite database must be a file path, got %q", l.Path)
		}
		return nil
	case PostgreSQL:
		if strings.TrimSpace(l.URL) == "" {
			return secusers.Errorf(secusers.Invalid, "the PostgreSQL DSN is empty")
		}
		return nil
	}
	return secusers.Errorf(secusers.Invalid, "no database given: a file path, sqlite:PATH or postgres://…")
}

// String names the database for messages and logs: the SQLite file's path,
// or "PostgreSQL" alone, since the DSN may carry a password.
func (l Location) String() string {
	if l.Kind == SQLite {
		return l.Path
	}
	return l.Kind.String()
}
