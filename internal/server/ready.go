package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/secusers/secusers/internal/api"
	"github.com/secusers/secusers/internal/secusers"
)

// readyTimeout bounds the store ping of /readyz. Orchestrators probe with
// a timeout of their own (Kubernetes: one second by default, often
// raised); a readiness check must answer, not hang, when the database
// does not, and a store that takes seconds to answer a ping is not ready
// to serve pages either.
const readyTimeout = 2 * time.Second

// readyBody is the answer of /readyz while the store answers.
const readyBody = `{"status":"ready"}` + "\n"

// msgNotReady is the message of /readyz's 503; the cause goes to the log
// only, since it may name hosts and users of the database.
const msgNotReady = "the store is unreachable, damaged or without its schema; the server is not ready to serve requests"

// readiness answers 200 when the store's Ping (which reads the schema
// version and a table of it) succeeds within readyTimeout,
// else the spec's 503 with Retry-After, so that a load balancer sends
// requests elsewhere while this server cannot serve them, without the
// restart that a failed liveness check (/healthz) would cause.
func readiness(store secusers.Store, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := pingWithin(r.Context(), store, readyTimeout); err != nil {
			api.WriteError(w, r, logger, secusers.Wrap(secusers.Unavailable, err, msgNotReady))
			return
		}
		writeStatus(w, readyBody)
	})
}

// pingWithin pings the store and gives up after timeout even when the
// store's Ping does not heed its context (a driver stuck in a dial): the
// probe must answer in time. The abandoned ping finishes in its goroutine
// when the store lets it, and its result is dropped.
func pingWithin(ctx context.Context, store secusers.Store, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1) // buffered: the goroutine never blocks on a gone reader
	go func() { done <- store.Ping(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
