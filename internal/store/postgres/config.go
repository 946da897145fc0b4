package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secusers/secusers/internal/secusers"
)

// connectTimeout bounds making one connection, TCP and TLS handshakes and
// authentication included. While the database is unreachable every call
// that needs a new connection waits this long at most (less when its
// context says so), so that requests fail fast instead of hanging. A DSN's
// own connect_timeout wins.
const connectTimeout = 2 * time.Second

// pingTimeout bounds the liveness check the pool makes of a connection that
// sat idle for more than a second before handing it out: a connection to a
// server that went silent (a network partition rather than a refusal) is
// dropped after this long instead of when the caller's context ends.
const pingTimeout = time.Second

// poolConfig reads the DSN into the pool's configuration and sets what the
// store relies on.
func poolConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// No cause: pgx masks a password in the DSN it quotes only on a
		// best-effort basis, and the DSN is the operator's secret.
		return nil, secusers.Errorf(secusers.Invalid, "the PostgreSQL DSN cannot be parsed; check its syntax (postgres://USER@HOST:PORT/DATABASE?…)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if cfg.PingTimeout == 0 {
		cfg.PingTimeout = pingTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		// So that an operator can tell the service's sessions apart in
		// pg_stat_activity.
		cfg.ConnConfig.RuntimeParams["application_name"] = "secusers"
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		// pgx prepares and caches every statement. After five runs
		// PostgreSQL may switch a prepared statement to a generic plan, made
		// without the tenant's id, which for the page query assumes an
		// average tenant and may sort or hash the whole table: ruinous for a
		// tenant of a million users. A custom plan costs a fraction of a
		// millisecond per statement and always sees which tenant it reads.
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	return cfg, nil
}
