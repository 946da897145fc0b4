package secusers

import (
	"context"
	"strings"
	"time"
)

// AuditEvent is one administrative change: who made it, what, to what, when.
// Stores append an event in the same transaction as the change it records,
// so the trail can be neither missing a change nor hold one that did not
// happen. Details never hold a secret or a key.
type AuditEvent struct {
	ID     int64     // increasing in the order the events were recorded
	At     time.Time // the store's clock
	Actor  string    // who: the operating-system user of the CLI, or "system"
	Action string    // what, as noun.verb: "app.create", "app.secret.add", …
	Target string    // the id of what changed
	Detail string    // a short human-readable description; no secrets
}

// The actions recorded in the audit trail.
const (
	AuditPartnerCreate    = "partner.create"
	AuditCustomerCreate   = "customer.create"
	AuditGroupCreate      = "group.create"
	AuditTenantCreate     = "tenant.create"
	AuditTenantConnect    = "tenant.connect"
	AuditTenantImport     = "tenant.users.import"
	AuditAppCreate        = "app.create"
	AuditAppDisable       = "app.disable"
	AuditAppScope         = "app.scope"
	AuditAppSecretAdd     = "app.secret.add"
	AuditAppSecretRemove  = "app.secret.remove"
	AuditAppCertAdd       = "app.cert.add"
	AuditAppCertRemove    = "app.cert.remove"
	AuditSigningKeyRotate = "keys.rotate"
	AuditSigningKeyPrune  = "keys.prune"
)

// AuditQuery selects audit events, newest first.
type AuditQuery struct {
	Since  time.Time // when not zero, only events at or after it
	Action string    // when not empty, only this action
	Target string    // when not empty, only events about this id
	Limit  int       // at most this many, and never more than MaxAuditLimit; 0 means DefaultAuditLimit
}

// The bounds of AuditQuery.Limit: a zero limit means DefaultAuditLimit, and
// no query reads more than MaxAuditLimit events, so that one call cannot
// pull the whole trail of a long-lived deployment.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// EffectiveLimit returns how many events the query reads at most, with the
// default and the cap applied; Invalid when Limit is negative.
func (q AuditQuery) EffectiveLimit() (int, error) {
	switch {
	case q.Limit < 0:
		return 0, Errorf(Invalid, "an audit query's limit must not be negative, got %d", q.Limit)
	case q.Limit == 0:
		return DefaultAuditLimit, nil
	}
	return min(q.Limit, MaxAuditLimit), nil
}

// AuditFilter is one condition of an AuditQuery on the stored trail: the
// column (at, action or target), its comparison, and the value in the
// stored form.
type AuditFilter struct {
	Column, Op string
	Value      any
}

// Filters returns the conditions the query sets, in a fixed order. Since is
// rounded up to the millisecond stores keep (CeilMillis), so that an event
// recorded before Since within its millisecond is left out.
func (q AuditQuery) Filters() []AuditFilter {
	var out []AuditFilter
	if !q.Since.IsZero() {
		out = append(out, AuditFilter{"at", ">=", CeilMillis(q.Since)})
	}
	if q.Action != "" {
		out = append(out, AuditFilter{"action", "=", q.Action})
	}
	if q.Target != "" {
		out = append(out, AuditFilter{"target", "=", q.Target})
	}
	return out
}

// AuditSQL is an AuditQuery as the clauses of a store's SELECT.
type AuditSQL struct {
	Where string // "" or " WHERE " and the conditions of Filters, joined by AND
	Limit string // the placeholder of the limit
	Args  []any  // the values of the conditions' placeholders, then the limit
}

// SQL returns the query's clauses, with param(n) the placeholder of the
// n-th argument (from 1), since the stores' dialects number them apart;
// Invalid as EffectiveLimit.
func (q AuditQuery) SQL(param func(n int) string) (AuditSQL, error) {
	limit, err := q.EffectiveLimit()
	if err != nil {
		return AuditSQL{}, err
	}
	var out AuditSQL
	var where []string
	for _, f := range q.Filters() {
		out.Args = append(out.Args, f.Value)
		where = append(where, f.Column+" "+f.Op+" "+param(len(out.Args)))
	}
	if len(where) > 0 {
		out.Where = " WHERE " + strings.Join(where, " AND ")
	}
	out.Args = append(out.Args, limit)
	out.Limit = param(len(out.Args))
	return out, nil
}

// AuditStore reads the audit trail. Writing it is part of each
// administrative Store method.
type AuditStore interface {
	AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
}

// SystemActor is the actor of changes made with no actor in the context.
const SystemActor = "system"

type actorKey struct{}

// WithActor returns a context that names who makes the changes done with it;
// the stores write that name into the audit trail.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor WithActor put in ctx, or SystemActor.
func ActorFrom(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return SystemActor
}
