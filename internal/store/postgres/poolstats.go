package postgres

import "github.com/secusers/secusers/internal/secusers"

// PoolStats returns the pool's current use, as plain numbers that a metrics
// package reads (metrics.PoolStatser) without importing this store or pgx.
func (s *Store) PoolStats() secusers.PoolStats {
	st := s.pool.Stat()
	return secusers.PoolStats{
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
