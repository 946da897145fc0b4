package postgres

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// mixedUsers returns users with repeating, case-varied and non-ASCII names
// and a spread of statuses, a fifth with none.
func mixedUsers(n int) []secusers.User {
	names := []string{"Ann", "ann", "Émile", "émile", "Zoë", "zoe", "ß", "", "Bob Mark", "Σοφία", "ärger", "ÄRGER"}
	statuses := []secusers.StatusSet{
		0,
		secusers.StatusSetOf(secusers.MFADisabled),
		secusers.StatusSetOf(secusers.HighRisk, secusers.PasswordExpired),
		secusers.StatusSetOf(secusers.TestUser),
		secusers.StatusSetOf(secusers.Inactive, secusers.Compliance, secusers.TestUser),
	}
	users := make([]secusers.User, n)
	for i := range users {
		st := statuses[i*7%len(statuses)]
		users[i] = secusers.User{ID: uuid.NewString(), DisplayName: names[i%len(names)], Status: st, IsTestUser: st.Has(secusers.TestUser)}
	}
	return users
}

// TestReplaceErrorPositions: an invalid or repeated user is named by its
// position, as the SQLite store names it, even when the COPY has sent
// thousands of rows before it; and nothing changes.
func TestReplaceErrorPositions(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	tenant := storetest.NewTenant(t, s)
	before := mixedUsers(50)
	if _, err := s.ReplaceUsers(ctx, tenant, storetest.Seq(before)); err != nil {
		t.Fatal(err)
	}
	users := mixedUsers(10_000) // several 64 KB COPY chunks before the bad user
	repeated := append(users[:9000:9000], users[4321])
	invalid := append(users[:7000:7000], secusers.User{ID: "NOT-A-GUID"})
	for _, tc := range []struct {
		name  string
		users []secusers.User
		want  string
	}{
		{"repeated id", repeated, "user 9001: duplicate user id " + users[4321].ID},
		{"invalid user", invalid, "user 7001: id must be a lower-case GUID"},
	} {
		r, err := s.ReplaceUsers(ctx, tenant, storetest.Seq(tc.users))
		if !secusers.IsKind(err, secusers.Invalid) || !strings.HasPrefix(secusers.MessageOf(err), tc.want) || r != (secusers.Replacement{}) {
			t.Errorf("%s: got %+v, %v, want none and an Invalid error starting %q", tc.name, r, err, tc.want)
		}
	}
	count := 0
	for _, err := range s.Users(ctx, tenant) {
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != len(before) {
		t.Errorf("users after failed replacements: got %d, want the %d from before", count, len(before))
	}
}

// TestSnapshotReusesConnections: the batched read transactions end cleanly,
// found or not, so the pool keeps reusing its connections.
func TestSnapshotReusesConnections(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	tenant := storetest.NewTenant(t, s)
	if _, err := s.ReplaceUsers(ctx, tenant, storetest.Seq(mixedUsers(30))); err != nil {
		t.Fatal(err)
	}
	before := s.PoolStats().NewConnsCount
	for range 20 {
		if _, err := s.SecurityUsers(ctx, tenant, secusers.UserQuery{Limit: 5}); err != nil {
			t.Fatal(err)
		}
		_, err := s.SecurityUsers(ctx, uuid.NewString(), secusers.UserQuery{Limit: 5})
		wantKind(t, "SecurityUsers of an unknown tenant", err, secusers.NotFound)
		_, _, err = s.SecurityUserKeys(ctx, uuid.NewString(), 0, 5)
		wantKind(t, "SecurityUserKeys of an unknown tenant", err, secusers.NotFound)
	}
	if made := s.PoolStats().NewConnsCount - before; made > 1 {
		t.Errorf("connections made by 60 sequential reads: got %d, want at most 1", made)
	}
}

func wantKind(t *testing.T, what string, err error, want secusers.Kind) {
	t.Helper()
	if got := secusers.KindOf(err); err == nil || got != want {
		t.Errorf("%s: got error %v (kind %v), want kind %v", what, err, got, want)
	}
}
