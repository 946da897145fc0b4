package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/secusers/secusers/internal/store/storetest"
)

// TestBlocksMatchRows: every page read from the blocks is the page the rows
// give, and a tenant whose blocks are not at its users version is read from
// its rows.
func TestBlocksMatchRows(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "blocks.db"))
	defer s.Close()
	var built int
	storetest.BlocksMatchRows(t, s, func(t *testing.T, tenantID string) {
		if err := s.writer.QueryRowContext(t.Context(), `SELECT count(*) FROM user_blocks WHERE tenant_id = ?`, tenantID).Scan(&built); err != nil {
			t.Fatal(err)
		}
		if _, err := s.writer.ExecContext(t.Context(), `UPDATE tenants SET blocks_version = -1 WHERE id = ?`, tenantID); err != nil {
			t.Fatal(err)
		}
	})
	if built == 0 {
		t.Error("the replacement built no blocks")
	}
}
