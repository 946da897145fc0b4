package storetest

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// The API's order (security-users-api.md §1): displayName under Unicode
// simple case folding, compared by bytes, ties broken by id.

var orderTests = []test{
	{"Spelled", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		// The wanted order, written out. Byte order of the folded names
		// puts digits before letters, "10" before "9", case variants
		// together (ties by id), and non-ASCII after ASCII: ß (C3 9F)
		// before ä (C3 A4) before é (C3 A9) before σ (CF 83).
		want := []struct{ name, id string }{
			{"", "00000000-0000-4000-8000-000000000009"},
			{"10", "00000000-0000-4000-8000-000000000001"},
			{"9", "00000000-0000-4000-8000-000000000002"},
			{"alice", "00000000-0000-4000-8000-000000000003"},
			{"Alice", "00000000-0000-4000-8000-00000000000a"},
			{"ALICE", "00000000-0000-4000-8000-00000000000b"},
			{"Bob", "00000000-0000-4000-8000-000000000004"},
			{"Zed", "00000000-0000-4000-8000-000000000005"},
			{"zoe", "00000000-0000-4000-8000-00000000000f"},
			{"Zoë", "00000000-0000-4000-8000-000000000006"},
			{"ß", "00000000-0000-4000-8000-000000000007"},
			{"Ärger", "00000000-0000-4000-8000-000000000008"},
			{"Émile", "00000000-0000-4000-8000-00000000000c"},
			{"émile", "00000000-0000-4000-8000-00000000000d"},
			{"Σοφία", "00000000-0000-4000-8000-00000000000e"},
		}
		var users []secusers.User
		for _, w := range want {
			u := newUser(w.name, secusers.StatusSetOf(secusers.MFADisabled))
			u.ID = w.id
			users = append(users, u)
		}
		wantNames := names(users)
		rand.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
		replace(t, s, tn.ID, users)

		page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 100})
		must(t, "SecurityUsers", err)
		if diff := cmp.Diff(wantNames, names(decoded(t, page))); diff != "" {
			t.Errorf("SecurityUsers order (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantNames, names(allUsers(t, s, tn.ID))); diff != "" {
			t.Errorf("Users order (-want +got):\n%s", diff)
		}
	}},
	{"ManyTies", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		var users []secusers.User
		for i := range 60 {
			name := []string{"Émile", "émile", "EMILE", "Zoë", "zoe", "ß", "ss", "SS"}[i%8]
			users = append(users, newUser(name, secusers.StatusSetOf(secusers.HighRisk)))
		}
		replace(t, s, tn.ID, users)
		page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 1000})
		must(t, "SecurityUsers", err)
		if diff := cmp.Diff(names(inOrder(users)), names(decoded(t, page))); diff != "" {
			t.Errorf("SecurityUsers order (-want +got):\n%s", diff)
		}
	}},
}
