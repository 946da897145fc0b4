package postgres

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
	"github.com/secusers/secusers/internal/userjson"
)

// TestUserFieldsOfEarlierWriters checks both ways a user written without
// its encoded fields gets the JSON the API serves: computed when read
// (pageFields), for a server of the previous release still writing during
// a rolling upgrade, and migration 00004's own UPDATE, for the users
// written before it, run here as the migration file has it.
func TestUserFieldsOfEarlierWriters(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	tenant := storetest.NewTenant(t, s)
	users := storetest.ShuffledUsers(20)
	users[0].DisplayName = "Zoë \"Q\" <b>\\ \u2028 \x01"
	for _, u := range users {
		// Generation 0: what a tenant never filled reads.
		values, err := userValues(nil, tenant, 0, u)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values[:3:3], values[4:]...) // no fields, as before 00004
		if _, err := s.pool.Exec(ctx, `INSERT INTO users (tenant_id, generation, sort_key, `+userColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`, values...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO user_status_counts (tenant_id, generation, status, users)
		SELECT tenant_id, generation, status, count(*) FROM users WHERE tenant_id = $1 GROUP BY tenant_id, generation, status`, tenant); err != nil {
		t.Fatal(err)
	}
	check := func(how string) {
		t.Helper()
		page, err := s.SecurityUsers(ctx, tenant, secusers.UserQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got, err := userjson.DecodePage(page)
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if diff := cmp.Diff(storetest.SecurityUsersInOrder(users), got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: security users (-want +got):\n%s", how, diff)
		}
	}
	check("computed when read")

	file, err := migrations.ReadFile("migrations/00004_user_fields.sql")
	if err != nil {
		t.Fatal(err)
	}
	backfill := regexp.MustCompile(`(?s)\nUPDATE users SET fields = .*?;\n`).Find(file)
	if backfill == nil {
		t.Fatal("migration 00004 has no UPDATE of users' fields")
	}
	if _, err := s.pool.Exec(ctx, `UPDATE users SET fields = ''::bytea WHERE tenant_id = $1`, tenant); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, string(backfill[:len(backfill)-2])+` WHERE tenant_id = $1`, tenant); err != nil {
		t.Fatal(err)
	}
	check("filled by the migration")
}
