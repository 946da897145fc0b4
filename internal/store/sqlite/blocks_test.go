package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
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

// TestBlockBytesOutliveTheirRow guards what blockPage relies on when it
// scans a block into sql.RawBytes and keeps it: the driver hands each row's
// blob over as memory of its own, so a later row, or closing the rows,
// never overwrites an earlier one. If an upgrade of the driver starts
// reusing that memory, this fails and blockPage must copy again.
func TestBlockBytesOutliveTheirRow(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "rawbytes.db"))
	defer s.Close()
	const rowsRead, size = 8, 48 << 10 // a block is about 48 KB
	rows, err := s.reader.QueryContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		SELECT CAST(printf('%0`+strconv.Itoa(size)+`d', i) AS BLOB) FROM n`, rowsRead)
	if err != nil {
		t.Fatal(err)
	}
	var kept []sql.RawBytes
	for rows.Next() {
		var b sql.RawBytes
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, b)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	if len(kept) != rowsRead {
		t.Fatalf("read %d rows, want %d", len(kept), rowsRead)
	}
	for i, b := range kept {
		if want := fmt.Sprintf("%0*d", size, i+1); string(b) != want {
			t.Errorf("row %d's bytes changed after it was read: they now end in %q", i+1, b[len(b)-8:])
		}
	}
}
