package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGC checks that serve sets the collector only when the operator
// set neither GOGC nor GOMEMLIMIT. It changes process-wide settings, so it
// restores them and does not run in parallel.
func TestTuneGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
	tests := []struct {
		name        string
		env         map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"neither set", nil, serveGCPercent, serveMemoryLimit},
		{"GOGC set", map[string]string{"GOGC": "50"}, 100, math.MaxInt64},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, 100, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(func(k string) string { return tt.env[k] })
			// Setting a value returns the previous one: read it back so.
			gotPercent := debug.SetGCPercent(100)
			gotLimit := debug.SetMemoryLimit(math.MaxInt64)
			if gotPercent != tt.wantPercent || gotLimit != tt.wantLimit {
				t.Errorf("GC percent %d, memory limit %d; want %d, %d", gotPercent, gotLimit, tt.wantPercent, tt.wantLimit)
			}
		})
	}
}
