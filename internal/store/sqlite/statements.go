package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/secusers/secusers/internal/secusers"
)

// statements are the read pool's prepared statements, by their text: the
// reads a request of the partner API makes, which would otherwise be
// parsed and planned anew on every request. They are all prepared when the
// store opens, which bounds the set (a few dozen) and means no read ever
// has to prepare one on another connection while it holds its own, which
// a full pool would deadlock.
type statements map[string]*sql.Stmt

// prepareReads prepares every statement the read paths ask statement for.
func prepareReads(ctx context.Context, db *sql.DB) (statements, error) {
	texts := []string{pageHeadQuery, blocksQuery, blocksAfterQuery, keysQuery}
	for _, after := range []*secusers.UserKey{nil, {}} {
		texts = append(texts, pageQuery(after))
	}
	stmts := make(statements, len(texts))
	for _, text := range texts {
		st, err := db.PrepareContext(ctx, text)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("prepare %q: %w", text, err), stmts.close())
		}
		stmts[text] = st
	}
	return stmts, nil
}

// statement returns the prepared statement of query for use in tx, on tx's
// connection (database/sql prepares it there the first time that
// connection runs it, and keeps it). A query that was not prepared at open
// is an error of the code, not of the request; it still runs, unprepared.
func (s *Store) statement(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	s.logger.Error("a read's statement was not prepared at open", "query", query)
	return tx.PrepareContext(ctx, query)
}

func (st statements) close() error {
	var errs []error
	for _, s := range st {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
