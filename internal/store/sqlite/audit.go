package sqlite

import (
	"context"
	"database/sql"

	"github.com/secusers/secusers/internal/secusers"
)

// audit appends one event to the trail. It takes the change's transaction,
// so that the event commits, or rolls back, with the change it records; the
// actor is whoever the context names.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, action, target, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		s.stamp().UnixMilli(), secusers.ActorFrom(ctx), action, target, detail)
	return err
}

// AuditEvents returns the events q selects (secusers.AuditQuery.Filters),
// newest first.
func (s *Store) AuditEvents(ctx context.Context, q secusers.AuditQuery) ([]secusers.AuditEvent, error) {
	sel, err := q.SQL(func(int) string { return "?" })
	if err != nil {
		return nil, err
	}
	var out []secusers.AuditEvent
	err = s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, at, actor, action, target, detail FROM audit_events`+sel.Where+`
			ORDER BY id DESC LIMIT `+sel.Limit, sel.Args...)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanAuditEvent)
		return err
	})
	return out, err
}

func scanAuditEvent(row scanner) (secusers.AuditEvent, error) {
	var e secusers.AuditEvent
	err := row.Scan(&e.ID, secusers.ScanMillis(&e.At), &e.Actor, &e.Action, &e.Target, &e.Detail)
	return e, err
}
