package sqlite

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/storetest"
)

// forceBulk makes every ReplaceUsers of s take the bulk path from its first
// user on, whatever the other tenants hold.
func forceBulk(s *Store) {
	s.bulkMin, s.bulkShare = 1, 1<<40
}

// TestConformanceBulk runs the whole suite with every ReplaceUsers on the
// bulk path, so that its all-or-nothing rules, its errors, and readers
// running while it drops and rebuilds the indexes are checked as thoroughly
// as the row-by-row path's.
func TestConformanceBulk(t *testing.T) {
	storetest.Run(t, func(t *testing.T) secusers.Store {
		s := open(t, filepath.Join(t.TempDir(), "secusers.db"))
		forceBulk(s)
		return s
	})
}

// TestBulkKeepsTheSchema checks that the indexes the bulk path drops are
// back, exactly as the migrations made them, after a replacement that
// succeeds and after one that fails.
func TestBulkKeepsTheSchema(t *testing.T) {
	s, tenant := tenantStore(t)
	before := usersIndexes(t, s)
	if !strings.Contains(before, "users_in_order") {
		t.Fatalf("indexes of users: got %q, want users_in_order among them", before)
	}
	forceBulk(s)
	users := storetest.ShuffledUsers(50)
	version := schemaVersion(t, s)
	if _, err := s.ReplaceUsers(t.Context(), tenant, storetest.Seq(users)); err != nil {
		t.Fatal(err)
	}
	if got := schemaVersion(t, s); got == version {
		t.Errorf("schema version after a forced bulk replacement: got %d unchanged, want the indexes rebuilt", got)
	}
	if got := usersIndexes(t, s); got != before {
		t.Errorf("indexes after a bulk replacement: got %q, want %q", got, before)
	}
	_, err := s.ReplaceUsers(t.Context(), tenant, storetest.Seq(append(users, users[7])))
	if !secusers.IsKind(err, secusers.Invalid) {
		t.Fatalf("ReplaceUsers with a repeated id: got %v, want an Invalid error", err)
	}
	if got := usersIndexes(t, s); got != before {
		t.Errorf("indexes after a failed bulk replacement: got %q, want %q", got, before)
	}
	var n int
	if err := s.reader.QueryRowContext(t.Context(), `SELECT count(*) FROM users`).Scan(&n); err != nil || n != len(users) {
		t.Errorf("users after a failed bulk replacement: got %d, %v, want %d, nil", n, err, len(users))
	}
}

// TestBulkOnlyWhenLarge checks the choice of path: a replacement takes the
// bulk path (which changes the schema version, twice per index) only when
// the tenant is both large and a large enough share of all users.
func TestBulkOnlyWhenLarge(t *testing.T) {
	s, big := tenantStore(t)
	s.bulkMin, s.bulkShare = 100, 4
	var customer string
	if err := s.reader.QueryRowContext(t.Context(), `SELECT customer_id FROM tenants WHERE id = ?`, big).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	small, err := s.CreateTenant(t.Context(), secusers.Tenant{ID: storetest.ShuffledUsers(1)[0].ID, CustomerID: customer, Name: "small"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tenant string
		users  int
		bulk   bool
	}{
		{"a small tenant", small.ID, 99, false},
		{"a large tenant, alone", big, 1000, true},
		{"the large tenant, shrinking", big, 500, true},                      // its old size decides
		{"a tenant at the minimum, but a small share", small.ID, 100, false}, // 100 × 4 < 500
		{"the large tenant, shrinking below the minimum", big, 10, true},
		{"the large tenant, now small", big, 10, false},
		{"a tenant large from the start", small.ID, 1000, true},
		// Checked at 100 and 200 users (too small a share of 1010),
		// then at 400.
		{"a tenant growing to a large share midway", big, 400, true},
	} {
		version := schemaVersion(t, s)
		if _, err := s.ReplaceUsers(t.Context(), tc.tenant, storetest.Seq(storetest.ShuffledUsers(tc.users))); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if bulk := schemaVersion(t, s) != version; bulk != tc.bulk {
			t.Errorf("%s: got bulk %v, want %v", tc.name, bulk, tc.bulk)
		}
	}
}

// TestBulkRepeatedIDs checks that the bulk path, which finds a repeated id
// only when it builds the unique index at the end, reports the same user
// as the row-by-row path: the first, in the sequence's order, that repeats
// an earlier id.
func TestBulkRepeatedIDs(t *testing.T) {
	old := storetest.ShuffledUsers(10)
	fresh := storetest.ShuffledUsers(12)
	for _, tc := range []struct {
		name  string
		users []secusers.User
	}{
		{"early, before a midway switch", append(slices.Clone(fresh[:3]), fresh[1], fresh[5], fresh[5])},
		{"across the switch", append(slices.Clone(fresh[:8]), fresh[2])},
		{"after the switch", append(slices.Clone(fresh), fresh[9], fresh[10])},
		{"two repeats, the later id first", append(slices.Clone(fresh[:9]), fresh[8], fresh[7])},
		{"an old user, twice", append(slices.Clone(fresh[:6]), old[4], fresh[6], old[4])},
	} {
		var messages []string
		for _, bulkMin := range []int64{0, 4, 1} { // never, midway, from the start
			s, tenant := tenantStore(t)
			if _, err := s.ReplaceUsers(t.Context(), tenant, storetest.Seq(old)); err != nil {
				t.Fatal(err)
			}
			s.bulkMin, s.bulkShare = bulkMin, 1<<40
			_, err := s.ReplaceUsers(t.Context(), tenant, storetest.Seq(tc.users))
			if !secusers.IsKind(err, secusers.Invalid) {
				t.Fatalf("%s, bulk from %d: got %v, want an Invalid error", tc.name, bulkMin, err)
			}
			messages = append(messages, secusers.MessageOf(err))
		}
		for i, m := range messages[1:] {
			if m != messages[0] {
				t.Errorf("%s, bulk path %d: got %q, want %q (the row-by-row path's)", tc.name, i+1, m, messages[0])
			}
		}
	}
}

func schemaVersion(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.writer.QueryRowContext(t.Context(), `PRAGMA schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// usersIndexes returns the definitions of the users table's indexes.
func usersIndexes(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.reader.QueryContext(t.Context(),
		`SELECT name || ': ' || coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := collect(rows, func(row scanner) (string, error) {
		var d string
		return d, row.Scan(&d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(defs, "; ")
}
