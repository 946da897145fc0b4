package graph

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestMaxConcurrent runs more reads at once than the bound and counts the
// requests Graph holds at the same time: they reach the bound, never more.
func TestMaxConcurrent(t *testing.T) {
	t.Parallel()
	const limit, reads = 3, 10
	var mu sync.Mutex
	inFlight, peak := 0, 0
	full := make(chan struct{})
	var fullOnce sync.Once
	c := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		if inFlight == limit {
			fullOnce.Do(func() { close(full) })
		}
		mu.Unlock()
		// Hold the request until the bound is reached, and a little
		// longer, so that a request over it would be seen.
		select {
		case <-full:
			time.Sleep(5 * time.Millisecond)
		case <-time.After(5 * time.Second):
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		domainsPage("a")(w, r)
	}).client(func(c *Config) { c.MaxConcurrent = limit })

	var wg sync.WaitGroup
	for range reads {
		wg.Go(func() {
			if _, err := collect(c.Domains(t.Context())); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak != limit {
		t.Errorf("peak requests in flight: got %d, want %d", peak, limit)
	}
}
