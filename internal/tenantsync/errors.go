package tenantsync

import (
	"context"
	"errors"

	"github.com/secusers/secusers/internal/secusers"
)

// RunError is the error of a run that started and failed. Its message is
// the run record's Error, which is safe to show to operators and partners:
// Graph's and Entra's answers (which never carry the tenant's secret), or
// the store's caller-safe message, never an internal cause.
type RunError struct {
	Run secusers.SyncRun // as recorded, Result SyncFailed
	Err error            // the cause, for logs and errors.Is
}

// Error says which tenant's run failed and why.
func (e *RunError) Error() string {
	return "sync of tenant " + e.Run.TenantID + " failed: " + e.Run.Error
}

// Unwrap returns the cause.
func (e *RunError) Unwrap() error { return e.Err }

// readError is a read of Graph that failed. The graph package keeps
// secrets out of its errors, so its text is safe to record.
type readError struct {
	what string // e.g. "read 2 (users)"
	err  error
}

func (e *readError) Error() string { return e.what + ": " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// internalMessage stands for a cause that is not safe to show.
const internalMessage = "internal error (the log of the process that ran the sync has the details)"

// safeMessage is what the run's record says of err. ctx is the run's: when
// it ended, that is the reason, whatever error the read or the store turned
// it into (and an HTTP client's own timeout must not pass for it).
func safeMessage(ctx context.Context, err error) string {
	var re *readError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return "the run was cancelled before it completed; the tenant's users are unchanged"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "the run ran out of time before it completed; the tenant's users are unchanged"
	case errors.As(err, &re):
		return re.Error()
	}
	if m := secusers.MessageOf(err); m != "" && secusers.KindOf(err) != secusers.Internal {
		return m
	}
	return internalMessage
}
