package storeopen

import (
	"context"

	"secusers/internal/secusers"
)

// openPostgres will open internal/store/postgres once it exists; until then
// a PostgreSQL DSN is refused with a message saying so. The DSN is not
// echoed: it may carry a password.
func openPostgres(_ context.Context, _ string, _ options) (secusers.Store, error) {
	return nil, secusers.Errorf(secusers.Invalid, "PostgreSQL support is not built yet; use a SQLite file (--db ./secusers.db)")
}
