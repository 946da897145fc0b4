package postgres

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
)

// TestPingChecksSchema: Ping reads the schema, so a database whose schema
// was dropped and re-created empty (a restore gone wrong, a re-created
// database), or rolled back to an older version, is not ready, while one a
// newer release migrated further is (a rolling upgrade). Before, Ping only
// checked that a connection answered.
func TestPingChecksSchema(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change string // run in the store's schema; SCHEMA stands for its name
		ready  bool
	}{
		{"as migrated", ``, true},
		{"re-created empty", `DROP SCHEMA SCHEMA CASCADE; CREATE SCHEMA SCHEMA`, false},
		{"older schema", `DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`, false},
		{"no version", `DELETE FROM goose_db_version`, false},
		{"newer schema", `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, pgtest.DSN(t))
			defer s.Close()
			ctx := t.Context()
			if _, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "P"}); err != nil {
				t.Fatal(err)
			}
			if tc.change != "" {
				var schema string
				if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
					t.Fatal(err)
				}
				stmt := strings.ReplaceAll(tc.change, "SCHEMA SCHEMA", "SCHEMA "+pgx.Identifier{schema}.Sanitize())
				if _, err := s.pool.Exec(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			err := s.Ping(ctx)
			switch {
			case tc.ready && err != nil:
				t.Errorf("Ping: got %v, want nil", err)
			case !tc.ready && (!secusers.IsKind(err, secusers.Unavailable) || secusers.MessageOf(err) == ""):
				t.Errorf("Ping: got %v (kind %v), want Unavailable with a message", err, secusers.KindOf(err))
			}
		})
	}
}
