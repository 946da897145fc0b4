package storeopen

import (
	"context"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres"
)

// openPostgres opens the PostgreSQL store. The DSN is passed on as it is
// (pgx reads both the URL and the keyword/value form) and never echoed in an
// error: it may carry a password.
func openPostgres(ctx context.Context, dsn string, o options) (secusers.Store, error) {
	var opts []postgres.Option
	if o.now != nil {
		opts = append(opts, postgres.WithClock(o.now))
	}
	s, err := postgres.Open(ctx, dsn, opts...)
	if err != nil {
		// Not s itself: a nil *postgres.Store would make a non-nil Store.
		return nil, err
	}
	return s, nil
}
