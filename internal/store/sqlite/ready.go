package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"

	"github.com/secusers/secusers/internal/secusers"
)

// Ping reports whether the store is ready to serve. A pooled connection
// answers from its page cache and the WAL, and so may keep answering after
// the file itself was truncated or overwritten, so Ping reads the file's
// header from the file first; then, through the read pool (and within, so
// that a database whose WAL index another process holds fails at ctx's
// deadline), it reads the schema version, which must be at least this
// binary's (secusers.CheckSchema), and a row of an application table.
func (s *Store) Ping(ctx context.Context) error {
	if err := checkHeader(s.path); err != nil {
		return err
	}
	var version int64
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, schemaVersionQuery).Scan(&version); err != nil {
			return err
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM partners LIMIT 1`).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // an empty table is a readable one
		}
		return err
	})
	if err != nil {
		// Whatever failed (a missing table included), the store cannot
		// serve.
		return secusers.NotReady(err, "the SQLite database cannot be read")
	}
	return secusers.CheckSchema(version, s.schema)
}

// headerMagic starts every SQLite database file (its format's header string).
const headerMagic = "SQLite format 3\x00"

// checkHeader reads the first 100 bytes of the database file, its header,
// and checks that they are an SQLite header: a file that was truncated or
// overwritten, or replaced by something else, fails.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return secusers.Wrap(secusers.Unavailable, err, "the SQLite database file cannot be opened")
	}
	defer f.Close()
	var header [100]byte
	if _, err := io.ReadFull(f, header[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return secusers.Wrap(secusers.Unavailable, err, "the SQLite database file is shorter than its header: it was truncated")
		}
		return secusers.Wrap(secusers.Unavailable, err, "the SQLite database file cannot be read")
	}
	if string(header[:len(headerMagic)]) != headerMagic {
		return secusers.Errorf(secusers.Unavailable, "the SQLite database file has no SQLite header: it was overwritten")
	}
	// The page size, big-endian at offset 16: a power of two from 512 to
	// 32768, or 1 for 65536.
	if size := int(header[16])<<8 | int(header[17]); size != 1 && (size < 512 || size&(size-1) != 0) {
		return secusers.Errorf(secusers.Unavailable, "the SQLite database file's header is damaged (page size %d)", size)
	}
	return nil
}
