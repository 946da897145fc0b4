package postgres

import "time"

// PoolStats is a snapshot of the connection pool's use, for a metrics
// package to report without importing the driver.
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

// PoolStats returns the pool's current use.
func (s *Store) PoolStats() PoolStats {
	st := s.pool.Stat()
	return PoolStats{
		MaxConns:             st.MaxConns(),
		TotalConns:           st.TotalConns(),
		AcquiredConns:        st.AcquiredConns(),
		IdleConns:            st.IdleConns(),
		AcquireCount:         st.AcquireCount(),
		AcquireDuration:      st.AcquireDuration(),
		EmptyAcquireCount:    st.EmptyAcquireCount(),
		CanceledAcquireCount: st.CanceledAcquireCount(),
		NewConnsCount:        st.NewConnsCount(),
	}
}
