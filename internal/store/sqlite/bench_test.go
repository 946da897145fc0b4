package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks.
func BenchmarkStore(b *testing.B) {
	storetest.RunBenchmarks(b, func(b *testing.B) secusers.Store {
		return open(b, filepath.Join(b.TempDir(), "bench.db"))
	})
}
