package schedule

import (
	"context"
	"log/slog"
)

// riverLogger is the logger River is given: the schedule's, with River's
// informational lines lowered to debug. River reports its routine work
// (elections, producers, maintenance services) at info, several lines a
// second, which would bury the server's own info lines; its warnings and
// errors stay as they are.
func riverLogger(logger *slog.Logger) *slog.Logger {
	return slog.New(infoToDebug{logger.Handler()})
}

// infoToDebug is a slog.Handler that passes records on to its handler with
// the levels from info up to (but not including) warn lowered to debug.
type infoToDebug struct {
	next slog.Handler
}

// lower returns the level a record of level l is passed on at.
func lower(l slog.Level) slog.Level {
	if l >= slog.LevelInfo && l < slog.LevelWarn {
		return slog.LevelDebug
	}
	return l
}

func (h infoToDebug) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, lower(l))
}

func (h infoToDebug) Handle(ctx context.Context, r slog.Record) error {
	if r.Level = lower(r.Level); !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h infoToDebug) WithAttrs(attrs []slog.Attr) slog.Handler {
	return infoToDebug{h.next.WithAttrs(attrs)}
}

func (h infoToDebug) WithGroup(name string) slog.Handler {
	return infoToDebug{h.next.WithGroup(name)}
}
