package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

// BenchmarkStore runs the shared store benchmarks. ReplaceUsers compares
// the row-by-row path (the only one before the bulk path existed) with the
// bulk path, on a tenant of the same size.
func BenchmarkStore(b *testing.B) {
	path := func(bulkMin int64) func(secusers.Store) {
		return func(s secusers.Store) { s.(*Store).bulkMin = bulkMin }
	}
	storetest.RunBenchmarks(b, func(b *testing.B) secusers.Store {
		return open(b, filepath.Join(b.TempDir(), "bench.db"))
	}, storetest.ComparePaths(
		storetest.ReplacePath{Name: "rowbyrow", Use: path(0)},
		storetest.ReplacePath{Name: "bulk", Use: path(defaultBulkMin)},
	))
}
