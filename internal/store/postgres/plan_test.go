package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestPagePlan checks that the user reads walk users_in_order, reading the
// index alone where they can, and never sort or scan the tenant's users:
// the plans that keep a page fast in a tenant of a million users. A second
// tenant keeps the statistics from calling every row the tenant's.
func TestPagePlan(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	big, small := storetest.NewTenant(t, s), storetest.NewTenant(t, s)
	for tenant, n := range map[string]int{big: 20_000, small: 50} {
		if _, err := s.ReplaceUsers(ctx, tenant, storetest.Seq(storetest.ShuffledUsers(n))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) users`); err != nil {
		t.Fatal(err)
	}
	after := &secusers.UserKey{SortKey: "m", ID: "00000000-0000-0000-0000-000000000000"}
	mask := secusers.StatusSetOf(secusers.HighRisk)
	page, pageArgs := pageQuery(big, mask, secusers.UserQuery{Limit: 100, Offset: 5000})
	keyset, keysetArgs := pageQuery(big, mask, secusers.UserQuery{Limit: 100, After: after})
	for _, tc := range []struct {
		name  string
		query string
		args  []any
	}{
		{"page", page, pageArgs},
		{"keyset page", keyset, keysetArgs},
		{"anchors", keysQuery, []any{big, int32(mask), int64(1000)}},
		{"Users chunk", chunkQuery, []any{big, usersChunk}},
		{"Users chunk after", chunkAfterQuery, []any{big, usersChunk, after.SortKey, after.ID}},
	} {
		plan := explain(t, s, tc.query, tc.args)
		if !strings.Contains(plan, "Index Only Scan using users_in_order") && !strings.Contains(plan, "Index Scan using users_in_order") {
			t.Errorf("%s: got plan\n%s\nwant a scan of users_in_order", tc.name, plan)
		}
		// A sort of the positions found (the anchors') is fine; a sort of
		// the tenant's users is not.
		for _, bad := range []string{"Sort Key: users", "Seq Scan", "Hash", "Bitmap"} {
			if strings.Contains(plan, bad) {
				t.Errorf("%s: got plan\n%s\nwant no %s", tc.name, plan, bad)
			}
		}
	}
	if plan := explain(t, s, page, pageArgs); !strings.Contains(plan, "Index Only Scan using users_in_order") {
		t.Errorf("page: got plan\n%s\nwant the positions from an index-only scan", plan)
	}
}

// explain returns the plan of query with args, as the store's connections
// plan it.
func explain(t *testing.T, s *Store, query string, args []any) string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
