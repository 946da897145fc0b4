package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestPagePlan checks that the user reads walk users_in_order, or for a
// filter of one status that status's own index, reading the index alone
// where they can, and never sort or scan the tenant's users: the plans that
// keep a page fast in a tenant of a million users. A second
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
	two := secusers.StatusSetOf(secusers.HighRisk, secusers.Inactive)
	rare := secusers.StatusSetOf(secusers.PendingDeletion)
	type plan struct {
		name  string
		query string
		args  []any
		index string // the index the plan reads
	}
	var plans []plan
	for _, f := range []struct {
		mask  secusers.StatusSet
		index string
	}{{two, "users_in_order"}, {rare, "users_with_status_7"}} {
		page, pageArgs := pageQuery(big, f.mask, secusers.UserQuery{Limit: 100, Offset: 5000})
		keyset, keysetArgs := pageQuery(big, f.mask, secusers.UserQuery{Limit: 100, After: after})
		plans = append(plans,
			plan{"page of " + f.mask.String(), page, pageArgs, f.index},
			plan{"keyset page of " + f.mask.String(), keyset, keysetArgs, f.index},
			plan{"anchors of " + f.mask.String(), keysQuery(f.mask), []any{big, int32(f.mask), int64(1000)}, f.index})
	}
	var generation int64
	if err := s.pool.QueryRow(ctx, `SELECT users_version FROM tenants WHERE id = $1`, big).Scan(&generation); err != nil {
		t.Fatal(err)
	}
	plans = append(plans,
		plan{"Users chunk", chunkQuery, []any{big, usersChunk, generation}, "users_in_order"},
		plan{"Users chunk after", chunkAfterQuery, []any{big, usersChunk, generation, after.SortKey, after.ID}, "users_in_order"})
	for _, tc := range plans {
		plan := explain(t, s, tc.query, tc.args)
		if !strings.Contains(plan, "Index Only Scan using "+tc.index) && !strings.Contains(plan, "Index Scan using "+tc.index) {
			t.Errorf("%s: got plan\n%s\nwant a scan of %s", tc.name, plan, tc.index)
		}
		// A sort of the positions found (the anchors') is fine; a sort of
		// the tenant's users is not.
		// (A seq scan of tenants, a table of a few rows here, to find
		// the current generation is the right plan for it.)
		for _, bad := range []string{"Sort Key: users", "Seq Scan on users", "Hash", "Bitmap"} {
			if strings.Contains(plan, bad) {
				t.Errorf("%s: got plan\n%s\nwant no %s", tc.name, plan, bad)
			}
		}
		// A page's positions come from the index alone.
		if strings.HasPrefix(tc.name, "page") && !strings.Contains(plan, "Index Only Scan using "+tc.index) {
			t.Errorf("%s: got plan\n%s\nwant the positions from an index-only scan", tc.name, plan)
		}
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

// TestGenerationPlans checks the plans of the statements that write and
// read generations: building the blocks walks the filter's index of the
// generation, the comparison of two generations reads each in id order
// from users_by_id, page reads of blocks find them by the current
// generation's key, and the feed reads each generation's changes from
// user_changes_feed, a range in ordinal order.
func TestGenerationPlans(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	big, small := storetest.NewTenant(t, s), storetest.NewTenant(t, s)
	for tenant, n := range map[string]int{big: 20_000, small: 50} {
		for range 2 { // new users each time: the second records changes
			if _, err := s.ReplaceUsers(ctx, tenant, storetest.Seq(mixedUsers(n))); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, table := range []string{"users", "user_blocks", "user_changes", "generations"} {
		if _, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) `+table); err != nil {
			t.Fatal(err)
		}
	}
	var generation, seq int64
	if err := s.pool.QueryRow(ctx, `SELECT t.users_version, g.seq FROM tenants AS t
		JOIN generations AS g ON g.tenant_id = t.id AND g.generation = t.users_version WHERE t.id = $1`, big).Scan(&generation, &seq); err != nil {
		t.Fatal(err)
	}
	rare := secusers.StatusSetOf(secusers.PendingDeletion)
	for _, tc := range []struct {
		name    string
		query   string
		args    []any
		indexes []string // the indexes the plan reads
	}{
		{"blocks' users of every status", blockUsersQuery(secusers.AllStatusBits, true),
			[]any{big, int32(secusers.AllStatusBits), 5000, generation, "m", ""}, []string{"users_in_order"}},
		{"blocks' users of one status", blockUsersQuery(rare, false),
			[]any{big, int32(rare), 5000, generation}, []string{"users_with_status_7"}},
		{"comparison", compareQuery, []any{big, generation, "8", secusers.GenerationChunk}, []string{"users_by_id"}},
		{"blocks", blocksQuery, []any{big, int32(rare), int64(1), int64(2)}, []string{"user_blocks_pkey"}},
		{"blocks after", blocksAfterQuery, []any{big, int32(rare), "m", "", int64(2)},
			[]string{"user_blocks_pkey", "user_blocks_by_last"}},
		{"changes", changesQuery, []any{[]string{big, small}, int64(0), seq, int64(100), 100},
			[]string{"user_changes_feed"}},
	} {
		plan := explain(t, s, tc.query, tc.args)
		for _, index := range tc.indexes {
			if !strings.Contains(plan, "Scan using "+index) {
				t.Errorf("%s: got plan\n%s\nwant a scan of %s", tc.name, plan, index)
			}
		}
		for _, bad := range []string{"Seq Scan on users", "Seq Scan on user_", "Sort Key: users", "Bitmap"} {
			if strings.Contains(plan, bad) {
				t.Errorf("%s: got plan\n%s\nwant no %s", tc.name, plan, bad)
			}
		}
	}
}
