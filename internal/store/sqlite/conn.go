package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"modernc.org/sqlite"
)

// busyTimeout is how long a statement waits for another process's lock
// before it fails with SQLITE_BUSY (which the store reports as Unavailable),
// when its context does not end the wait sooner: the driver's busy handler
// gives up once the context of the call is done. A statement waiting for
// the WAL index has a wait of SQLite's own, which no handler cuts short;
// see within.
const busyTimeout = 10 * time.Second

// pool returns a connection pool on the database at path, whose connections
// have the DSN's parameters (dsn's and params) and run pragmas when they
// are opened.
func pool(path string, params []string, pragmas ...string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn(path, params...))
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector{base, pragmas}), nil
}

// connector opens a connection and then runs the pragmas that must read the
// database (cache_size and synchronous load the schema first), with the
// context of the call the connection is opened for. The driver runs a DSN's
// pragmas without any context, so one of them waiting for a lock another
// process holds would keep a request past its deadline whenever the pool
// opens a connection; here the wait ends with the caller's context, and
// within bounds it in any case. The connection is returned as the driver
// made it, not wrapped, so database/sql sees all its interfaces.
type connector struct {
	driver.Connector
	pragmas []string
}

// Connect opens a connection and runs c's pragmas on it.
func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range c.pragmas {
		if _, err := conn.(driver.ExecerContext).ExecContext(ctx, p, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return conn, nil
}

// dsn returns the driver's data source name for the file at path. The path
// goes in a file: URI, escaped, so that a "?" or "#" in a file name cannot be
// taken for the start of the parameters.
//
// None of its pragmas reads the file (see connector): WAL mode is kept in
// the file itself, and migrate sets it once.
func dsn(path string, extra ...string) string {
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()),
		"_pragma=foreign_keys(1)",
		// No memory-mapped reads: each connection maps the file on its
		// own, so every page a connection touches counts once per
		// connection in the server's resident memory (a 100,000-user
		// database read by four connections reached 450 MB). Reads go
		// through the OS's page cache, shared by every connection and by
		// no process's RSS, into each connection's own small cache.
		"_pragma=mmap_size(0)",
	}
	return URI(path, append(params, extra...)...)
}
