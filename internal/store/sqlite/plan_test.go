package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
)

// TestPagePlan checks that pages and anchors are read in index order: no
// sort of the tenant's users per request, which 1,000,000 users would make
// slow; that a keyset page seeks to its start instead of scanning up to it;
// that anchors come from the index alone; and that the comparison of two
// generations walks them in order from the index alone and looks a user up
// by id.
func TestPagePlan(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "plan.db"))
	defer s.Close()
	all := secusers.AllStatusBits
	two := secusers.StatusSetOf(secusers.HighRisk, secusers.Inactive)
	after := &secusers.UserKey{SortKey: "k", ID: "i"}
	for _, tc := range []struct {
		query string
		args  []any
		index string   // the index the plan must scan
		want  []string // in the plan, besides the index
	}{
		{pageQuery(nil), []any{"t", 1, int64(all), 10, 0}, "users_in_order", nil},
		{pageQuery(after), []any{"t", 1, int64(two), "k", "i", 10, 0}, "users_in_order", []string{"(sort_key,id)>(?,?)"}},
		{keysQuery, []any{"t", 1, int64(all), 100}, "users_in_order", []string{"COVERING INDEX users_in_order"}},
		{`SELECT ` + userColumns + ` FROM users WHERE tenant_id = ? AND generation = ? ORDER BY sort_key, id`, []any{"t", 1}, "users_in_order", nil},
		{blocksQuery, []any{"t", 511, 0, 1}, "sqlite_autoindex_user_blocks_1 (tenant_id=? AND generation=? AND filter=? AND block>? AND block<?)", nil},
		{blocksAfterQuery, []any{"t", 511, "k", "i", 2}, "sqlite_autoindex_user_blocks_1 (tenant_id=? AND generation=? AND filter=? AND block>? AND block<?)",
			[]string{"user_blocks_by_last (tenant_id=? AND generation=? AND filter=? AND (last_sort_key,last_id)>(?,?))"}},
		{firstFillQuery, []any{"t", 1, 0, "", 10}, "users_by_id (tenant_id=? AND generation=? AND id>?)", nil},
		{orderedStatusQuery, []any{"t", 2, "k", "i", 10}, "COVERING INDEX users_in_order (tenant_id=? AND generation=? AND (sort_key,id)>(?,?))", nil},
		{statusesByIDQuery, []any{"t", 1, `["a"]`}, "users_by_id (tenant_id=? AND generation=? AND id=?)", nil},
		{namesByIDQuery, []any{"t", 1, `["a"]`}, "users_by_id (tenant_id=? AND generation=? AND id=?)", nil},
	} {
		plan := queryPlan(t, s.reader, tc.query, tc.args...)
		if !strings.Contains(plan, tc.index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s: got %q, want a scan of %s without a sort", tc.query, plan, tc.index)
		}
		for _, want := range tc.want {
			if !strings.Contains(plan, want) {
				t.Errorf("plan of %s: got %q, want %q in it", tc.query, plan, want)
			}
		}
	}
}

// queryPlan returns the details of the query's plan, joined by "; ".
func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}
