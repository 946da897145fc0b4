package sync_test

import (
	"context"
	"iter"
	"path/filepath"
	gosync "sync"
	"testing"

	"github.com/google/uuid"

	"secusers/internal/secusers"
	"secusers/internal/store/sqlite"
	"secusers/internal/syncrules"
)

// newStore returns an SQLite store as a secusers.SyncStore. While the
// SQLite store does not implement the sync's methods yet, they are stood in
// for by stubStore, which keeps connections and runs in memory and builds
// SyncUsers on ReplaceUsers; once it does, the tests run on it unchanged.
func newStore(t testing.TB) secusers.SyncStore {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "sync.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if ss, ok := any(st).(secusers.SyncStore); ok {
		return ss
	}
	return &stubStore{Store: st, conns: map[string]secusers.TenantConnection{}, runs: map[string][]secusers.SyncRun{}}
}

// stubStore is the sync's part of secusers.SyncStore over a Store, for
// tests only: it holds every user's partner fields in memory.
type stubStore struct {
	secusers.Store
	mu    gosync.Mutex
	conns map[string]secusers.TenantConnection
	runs  map[string][]secusers.SyncRun
	// beforeSync, when set, is called as SyncUsers starts.
	beforeSync func()
}

func (s *stubStore) SaveTenantConnection(ctx context.Context, c secusers.TenantConnection) (secusers.TenantConnection, error) {
	if _, err := s.Tenant(ctx, c.TenantID); err != nil {
		return c, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c.TenantID] = c
	return c, nil
}

func (s *stubStore) TenantConnection(_ context.Context, tenantID string) (secusers.TenantConnection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[tenantID]
	if !ok {
		return c, secusers.Errorf(secusers.NotFound, "no connection of tenant %s", tenantID)
	}
	return c, nil
}

func (s *stubStore) TenantConnections(context.Context) ([]secusers.TenantConnection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []secusers.TenantConnection
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out, nil
}

func (s *stubStore) StartSyncRun(_ context.Context, run secusers.SyncRun) (secusers.SyncRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run.ID = uuid.NewString()
	s.runs[run.TenantID] = append(s.runs[run.TenantID], run)
	return run, nil
}

func (s *stubStore) FinishSyncRun(_ context.Context, run secusers.SyncRun) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.runs[run.TenantID] {
		if r.ID == run.ID {
			s.runs[run.TenantID][i] = run
			return nil
		}
	}
	return secusers.Errorf(secusers.NotFound, "no run %s", run.ID)
}

func (s *stubStore) LatestSyncRun(_ context.Context, tenantID string) (secusers.SyncRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := s.runs[tenantID]
	if len(runs) == 0 {
		return secusers.SyncRun{}, secusers.Errorf(secusers.NotFound, "no run of tenant %s", tenantID)
	}
	return runs[len(runs)-1], nil
}

func (s *stubStore) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (int, error) {
	if s.beforeSync != nil {
		s.beforeSync()
	}
	kept := map[string]secusers.User{} // only users with partner fields, so that benchmarks measure the sync
	for u, err := range s.Users(ctx, tenantID) {
		if err != nil {
			return 0, err
		}
		if u.IsTestUser || u.StartDate != 0 || u.EndDate != 0 {
			kept[u.ID] = u
		}
	}
	return s.ReplaceUsers(ctx, tenantID, func(yield func(secusers.User, error) bool) {
		for u, err := range users {
			if old, ok := kept[u.ID]; ok && err == nil {
				u = syncrules.KeepPartnerFields(u, old)
			}
			if !yield(u, err) {
				return
			}
		}
	})
}
