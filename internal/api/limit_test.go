package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/ratelimit"
	"github.com/secusers/secusers/internal/secusers"
)

// recordingLimiter refuses the keys it is told to, and records every key it
// was asked about and whether the store had been read by then.
type recordingLimiter struct {
	mu      sync.Mutex
	refuse  map[string]time.Duration
	asked   []string
	touched func() bool
	early   bool // asked before any store read
}

func (l *recordingLimiter) Allow(_ context.Context, key string) ratelimit.Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, key)
	l.early = l.touched != nil && !l.touched()
	if wait, ok := l.refuse[key]; ok {
		return ratelimit.Decision{RetryAfter: wait}
	}
	return ratelimit.Decision{Allowed: true}
}

// countingStore counts the store calls the handler makes.
type countingStore struct {
	secusers.Store
	mu    sync.Mutex
	calls int
}

func (s *countingStore) App(ctx context.Context, id string) (secusers.App, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return s.Store.App(ctx, id)
}

func (s *countingStore) touched() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls > 0
}

func TestRateLimitStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tt := range []struct {
		name       string
		token      string
		refuse     time.Duration
		wantStatus int
		wantRetry  string
		wantAsked  bool
	}{
		{"allowed", tokAll, 0, http.StatusOK, "", true},
		{"refused, whole seconds", tokAll, 2 * time.Second, http.StatusTooManyRequests, "2", true},
		{"refused, rounded up", tokAll, 1200 * time.Millisecond, http.StatusTooManyRequests, "2", true},
		{"refused, never 0", tokAll, time.Millisecond, http.StatusTooManyRequests, "1", true},
		{"bad token is 401, not limited", "nope", time.Second, http.StatusUnauthorized, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &countingStore{Store: f.store}
			lim := &recordingLimiter{refuse: map[string]time.Duration{}, touched: store.touched}
			if tt.refuse > 0 {
				lim.refuse["app:"+appAll] = tt.refuse
			}
			h := f.newHandler(store, testBaseURL, func(c *Config) { c.Limiter = lim })
			req := httptest.NewRequest(http.MethodGet, usersURL(true, cust1, ten1), nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("got %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if (len(lim.asked) > 0) != tt.wantAsked {
				t.Fatalf("limiter asked %v, want asked = %v", lim.asked, tt.wantAsked)
			}
			if tt.wantAsked && (lim.asked[0] != "app:"+appAll || !lim.early) {
				t.Errorf("limiter asked %v (before any store read: %v), want app:%s before the store", lim.asked, lim.early, appAll)
			}
			if tt.wantStatus == http.StatusTooManyRequests {
				var body errorBody
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "TooManyRequests" {
					t.Errorf("body %s, want code TooManyRequests", rec.Body)
				}
				if store.touched() {
					t.Error("a refused request read the store")
				}
			}
		})
	}
}
