package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// audit appends one event to the trail. Every administrative method calls it
// inside its own transaction, after the change succeeded, so that the event
// commits or rolls back with the change. at is the change's own time, so
// that a created record and its event carry the same instant.
func audit(ctx context.Context, tx pgx.Tx, at time.Time, action, target, detail string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)`,
		at.UnixMilli(), secusers.ActorFrom(ctx), action, target, detail)
	return err
}

// AuditEvents returns the events q selects (secusers.AuditQuery.Filters),
// newest first.
func (s *Store) AuditEvents(ctx context.Context, q secusers.AuditQuery) ([]secusers.AuditEvent, error) {
	sel, err := q.SQL(func(n int) string { return "$" + strconv.Itoa(n) })
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, actor, action, target, detail FROM audit_events`+sel.Where+`
		ORDER BY id DESC LIMIT `+sel.Limit, sel.Args...)
	if err != nil {
		return nil, translate(err, "")
	}
	out, err := collect(rows, scanAuditEvent)
	return out, translate(err, "")
}

func scanAuditEvent(row pgx.Row) (secusers.AuditEvent, error) {
	var e secusers.AuditEvent
	err := row.Scan(&e.ID, secusers.ScanMillis(&e.At), &e.Actor, &e.Action, &e.Target, &e.Detail)
	return e, err
}
