package secusers

import "time"

// PoolStats is a snapshot of a store's connection pool: what a store with a
// pool worth watching (the PostgreSQL store's PoolStats method) reports, in
// plain numbers, so that a metrics package reads it without depending on
// the store or its driver.
type PoolStats struct {
	MaxConns      int32 // the pool's size
	TotalConns    int32 // open connections: acquired, idle and being made
	AcquiredConns int32 // connections in use by a statement or transaction
	IdleConns     int32 // open connections waiting for use
	// AcquireCount and AcquireDuration are cumulative: every acquisition
	// and the total time callers waited for one.
	AcquireCount    int64
	AcquireDuration time.Duration
	// EmptyAcquireCount counts acquisitions that had to wait because no
	// idle connection was available (a sign the pool is too small).
	EmptyAcquireCount int64
	// CanceledAcquireCount counts acquisitions given up by their context.
	CanceledAcquireCount int64
	// NewConnsCount counts connections made since the pool was opened;
	// it grows after the database restarts.
	NewConnsCount int64
}
