package postgres

import "github.com/secusers/secusers/internal/metrics"

// The server registers the pool's metrics only for a store that is a
// metrics.PoolStatser, and would silently register none otherwise.
var _ metrics.PoolStatser = (*Store)(nil)
