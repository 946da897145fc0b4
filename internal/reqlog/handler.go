package reqlog

import (
	"context"
	"log/slog"
)

// Handler is a slog.Handler that adds the request id to every record logged
// with a request's context (the XxxContext methods of slog.Logger), under
// the key of the access log line, so that a line written anywhere beneath
// Middleware can be matched with the request's own line. Records without a
// request in their context pass through unchanged.
//
// Under a group (Logger.WithGroup) the id lands in the group, as any
// attribute of the record does.
type Handler struct {
	next slog.Handler
}

// NewHandler returns next wrapped in a Handler. A Handler is returned as it
// is, so that a logger wrapped by several layers stamps the id once.
func NewHandler(next slog.Handler) slog.Handler {
	if h, ok := next.(*Handler); ok {
		return h
	}
	return &Handler{next: next}
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the request id of ctx, if any, and passes r on. The middleware
// logs the access line with the context outside the request, which has no
// id, so that line carries the id once, from its own attribute.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" {
		r.AddAttrs(slog.String(idKey, id))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a Handler over the wrapped handler with attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a Handler over the wrapped handler with the group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name)}
}
