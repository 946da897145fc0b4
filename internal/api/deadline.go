package api

import (
	"context"
	"errors"

	"github.com/secusers/secusers/internal/secusers"
)

// msgStoreTimeout is the 503 of a store that did not answer in time.
const msgStoreTimeout = "the service's store did not answer in time; retry after the delay in Retry-After"

// deadlineError makes a fault caused by the request's store deadline a 503
// (spec §4): to the client a store that does not answer in time is one it
// cannot reach. The deadline's own state decides, not only the error: a
// driver reports an interrupted query its own way, which a store may well
// classify as Internal. Errors of other kinds (a 404 that came just in
// time) keep their status, and a client that went away is not told 503.
func deadlineError(ctx context.Context, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	switch secusers.KindOf(err) {
	case secusers.Internal, secusers.Unavailable:
		return secusers.Wrap(secusers.Unavailable, err, msgStoreTimeout)
	}
	return err
}
