package cli_test

import (
	"strings"
	"testing"
)

// TestDBFlag: --db is parsed by the commands that use the database, before
// they touch anything, and by no other.
func TestDBFlag(t *testing.T) {
	t.Parallel()
	const bad = "mysql://u:secret@db/x"
	for _, tc := range []struct {
		name string
		args []string
		want string // "" for success
	}{
		{"admin", []string{"admin", "partner", "list"}, `unsupported database URL scheme "mysql"`},
		{"keys rotate", []string{"admin", "keys", "rotate"}, `unsupported database URL scheme "mysql"`},
		{"connect", []string{"admin", "tenant", "connect", "--tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47",
			"--entra-tenant-id", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--client-id", graphClientID, "--client-secret", "s"}, `unsupported database URL scheme "mysql"`},
		{"sync", []string{"sync", "--tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47"}, `unsupported database URL scheme "mysql"`},
		{"serve", []string{"serve", "--addr", "127.0.0.1:0"}, `unsupported database URL scheme "mysql"`},
		{"in-memory SQLite", []string{"admin", "partner", "list", "--db", ":memory:"}, "the SQLite database must be a file path"},
		{"version", []string{"version"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--db", bad}, tc.args...)
			if tc.want != "" {
				fails(t, "", tc.want, args...)
				if r := run(t, "", args...); strings.Contains(r.stderr, "secret") {
					t.Errorf("stderr %q shows the DSN's password", r.stderr)
				}
				return
			}
			if r := run(t, "", args...); r.code != 0 || r.stderr != "" {
				t.Errorf("got exit %d, stderr %q; want success without parsing --db", r.code, r.stderr)
			}
		})
	}
}
