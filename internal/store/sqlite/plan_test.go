package sqlite

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestPagePlan checks that pages and anchors are read in index order: no
// sort of the tenant's users per request, which 1,000,000 users would make
// slow; that a keyset page seeks to its start instead of scanning up to it;
// and that anchors come from the index alone.
func TestPagePlan(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "plan.db"))
	defer s.Close()
	for _, tc := range []struct {
		query string
		args  []any
		want  []string // in the plan, besides users_in_order
	}{
		{pageQuery, []any{"t", 1, 10, 0}, nil},
		{pageAfterQuery, []any{"t", "k", "i", 1, 10, 0}, []string{"(sort_key,id)>(?,?)"}},
		{keysQuery, []any{"t", 1, 100}, []string{"COVERING INDEX users_in_order"}},
		{`SELECT ` + userColumns + ` FROM users WHERE tenant_id = ? ORDER BY sort_key, id`, []any{"t"}, nil},
	} {
		plan := queryPlan(t, s.reader, tc.query, tc.args...)
		if !strings.Contains(plan, "users_in_order") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s: got %q, want a scan of users_in_order without a sort", tc.query, plan)
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
