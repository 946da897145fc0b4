package postgres

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestRacingReplacements replaces one tenant's users from several
// goroutines at once, each replacement several chunks long. Each either
// becomes current or fails with Conflict (overtaken by a later one); the
// tenant ends with exactly the users of one that succeeded; the feed of
// changes, replayed on the first fill, gives the final statuses; and
// nothing of the replacements that lost is left behind.
func TestRacingReplacements(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ctx := t.Context()
	tenant := storetest.NewTenant(t, s)
	first := mixedUsers(secusers.GenerationChunk + 500) // at least the 1,300 the racers take
	if _, err := s.ReplaceUsers(ctx, tenant, storetest.Seq(first)); err != nil {
		t.Fatal(err)
	}
	const racers = 4
	sets := make([][]secusers.User, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		// Half of each set is the first fill's users with other
		// statuses, half new users.
		sets[i] = append(mixedUsers(secusers.GenerationChunk), first[:1000+i*100]...)
		for j := range sets[i][secusers.GenerationChunk:] {
			u := &sets[i][secusers.GenerationChunk+j]
			u.Status = mixedUsers(j + i + 1)[j+i].Status
			u.IsTestUser = u.Status.Has(secusers.TestUser)
		}
		// A pause midway, of a different length each time, mixes the
		// order in which the replacements begin and finish.
		pause := time.Duration(rand.IntN(400)) * time.Millisecond
		seq := func(yield func(secusers.User, error) bool) {
			for j, u := range sets[i] {
				if j == secusers.GenerationChunk/2 {
					time.Sleep(pause)
				}
				if !yield(u, nil) {
					return
				}
			}
		}
		wg.Go(func() {
			_, errs[i] = s.ReplaceUsers(ctx, tenant, seq)
		})
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !secusers.IsKind(err, secusers.Conflict):
			t.Errorf("replacement %d: got %v, want nil or a Conflict", i, err)
		}
	}
	if winners == 0 {
		t.Fatal("no replacement became current")
	}

	final := map[string]secusers.StatusSet{}
	for u, err := range s.Users(ctx, tenant) {
		if err != nil {
			t.Fatal(err)
		}
		final[u.ID] = u.Status
	}
	matched := false
	for i, set := range sets {
		if errs[i] != nil || len(set) != len(final) {
			continue
		}
		same := true
		for _, u := range set {
			if st, ok := final[u.ID]; !ok || st != u.Status {
				same = false
				break
			}
		}
		matched = matched || same
	}
	if !matched {
		t.Errorf("the tenant's %d users are not those of one successful replacement", len(final))
	}

	// The feed, replayed on the first fill, gives the final statuses.
	replayed := map[string]secusers.StatusSet{}
	for _, u := range first {
		if u.Status != 0 {
			replayed[u.ID] = u.Status
		}
	}
	var after secusers.ChangeCursor
	for {
		page, err := s.Changes(ctx, secusers.ChangeQuery{TenantIDs: []string{tenant}, After: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			had := replayed[c.UserID].Has(c.Status)
			if had == c.Added {
				t.Fatalf("change %s: user %s %s status %v, which it had: %v", c.ID(), c.UserID, c.Change(), c.Status, had)
			}
			if c.Added {
				replayed[c.UserID] = replayed[c.UserID].With(c.Status)
			} else if replayed[c.UserID] = replayed[c.UserID].Without(c.Status); replayed[c.UserID] == 0 {
				delete(replayed, c.UserID)
			}
			after = c.Cursor
		}
		if len(page.Changes) < 500 {
			break
		}
	}
	for id, st := range final {
		if st != replayed[id] {
			t.Errorf("user %s: the feed replayed gives status %v, the tenant has %v", id, replayed[id], st)
		}
		delete(replayed, id)
	}
	for id, st := range replayed {
		t.Errorf("user %s: the feed replayed gives status %v, the tenant does not have the user", id, st)
	}

	// Nothing of the losers is left.
	var rows, pending, orphans int
	if err := s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM users WHERE tenant_id = $1),
			(SELECT count(*) FROM generations WHERE tenant_id = $1 AND current_at IS NULL),
			(SELECT count(*) FROM user_changes AS c WHERE tenant_id = $1 AND NOT EXISTS (
				SELECT 1 FROM generations AS g WHERE g.tenant_id = c.tenant_id AND g.generation = c.generation AND g.seq IS NOT NULL))`,
		tenant).Scan(&rows, &pending, &orphans); err != nil {
		t.Fatal(err)
	}
	if rows != len(final) || pending != 0 || orphans != 0 {
		t.Errorf("after the race: got %d user rows, %d generations never current, %d changes of none; want %d, 0, 0",
			rows, pending, orphans, len(final))
	}
}
