package postgres

import (
	"testing"

	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestBlocksMatchRows: every page read from the blocks is the page the rows
// give, and a tenant whose blocks are not at its users version is read from
// its rows.
func TestBlocksMatchRows(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	var built int
	storetest.BlocksMatchRows(t, s, func(t *testing.T, tenantID string) {
		if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM user_blocks WHERE tenant_id = $1`, tenantID).Scan(&built); err != nil {
			t.Fatal(err)
		}
		// Stored uncompressed (migration 00005): a read must not cost the
		// database a decompression.
		var compressed int
		if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM user_blocks
			WHERE tenant_id = $1 AND pg_column_compression(data) IS NOT NULL`, tenantID).Scan(&compressed); err != nil {
			t.Fatal(err)
		}
		if compressed != 0 {
			t.Errorf("%d of %d blocks are stored compressed, want none", compressed, built)
		}
		if _, err := s.pool.Exec(t.Context(), `UPDATE tenants SET blocks_version = -1 WHERE id = $1`, tenantID); err != nil {
			t.Fatal(err)
		}
	})
	if built == 0 {
		t.Error("the replacement built no blocks")
	}
}
