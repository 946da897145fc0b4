package tenantsync_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
)

const (
	aliceID = "aaaaaaaa-0000-4000-8000-000000000001"
	bobID   = "bbbbbbbb-0000-4000-8000-000000000002"
	carolID = "cccccccc-0000-4000-8000-000000000003"
)

// user is a Graph user who signed in an hour ago.
func user(id, name string, enabled bool) graph.User {
	recent := time.Now().Add(-time.Hour)
	return graph.User{
		ID: id, DisplayName: ptr(name), UserPrincipalName: ptr(name + "@contoso.com"),
		AccountEnabled: ptr(enabled), CreatedDateTime: &recent,
		SignInActivity: &graph.SignInActivity{LastSignInDateTime: &recent},
	}
}

func deleted(u graph.User, ago time.Duration) graph.User {
	at := time.Now().Add(-ago)
	u.DeletedDateTime = &at
	return u
}

func handBuilt(users []graph.User, gone ...graph.User) *fakegraph.Tenant {
	return &fakegraph.Tenant{
		EntraTenantID: "dddddddd-0000-4000-8000-000000000004",
		Domains:       fakegraph.Items(graph.Domain{ID: "contoso.com"}),
		Users:         fakegraph.Items(users...),
		Deleted:       fakegraph.Items(gone...),
	}
}

func TestRunEdgeCases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		graph *fakegraph.Tenant
		want  map[string]secusers.StatusSet
	}{
		{
			name: "a user whose id is not a GUID is skipped",
			graph: handBuilt([]graph.User{
				user(aliceID, "alice", false), user("not-a-guid", "mallory", false), user(bobID, "bob", true),
			}),
			want: map[string]secusers.StatusSet{aliceID: secusers.StatusSetOf(secusers.SignInBlocked), bobID: 0},
		},
		{
			// Read 6 comes first, so a user both list was restored
			// between them: read 2 is the newer word.
			name: "a user restored between reads 6 and 2 is read 2's",
			graph: handBuilt([]graph.User{user(aliceID, "alice", false), user(bobID, "bob", true)},
				deleted(user(aliceID, "alice", false), time.Minute)),
			want: map[string]secusers.StatusSet{aliceID: secusers.StatusSetOf(secusers.SignInBlocked), bobID: 0},
		},
		{
			name: "a user deleted is pending deletion",
			graph: handBuilt([]graph.User{user(bobID, "bob", true)},
				deleted(user(aliceID, "alice", false), time.Minute)),
			want: map[string]secusers.StatusSet{aliceID: secusers.StatusSetOf(secusers.PendingDeletion), bobID: 0},
		},
		{
			name:  "a user deleted over 30 days ago is not one",
			graph: handBuilt([]graph.User{user(bobID, "bob", true)}, deleted(user(carolID, "carol", true), 31*24*time.Hour)),
			want:  map[string]secusers.StatusSet{bobID: 0},
		},
		{
			name: "a user Graph lists twice is written once",
			graph: handBuilt([]graph.User{
				user(aliceID, "alice", false), user(bobID, "bob", true), user(aliceID, "alice", false),
			}, deleted(user(carolID, "carol", true), time.Hour), deleted(user(carolID, "carol", true), time.Hour)),
			want: map[string]secusers.StatusSet{
				aliceID: secusers.StatusSetOf(secusers.SignInBlocked), bobID: 0,
				carolID: secusers.StatusSetOf(secusers.PendingDeletion),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.graph, fakegraph.WithPageSize(fakegraph.ReadUsers, 1))
			run := f.run()
			if diff := cmp.Diff(tc.want, f.statuses()); diff != "" {
				t.Errorf("statuses (-want +stored):\n%s", diff)
			}
			if run.Users != len(tc.want) {
				t.Errorf("run.Users %d, want %d", run.Users, len(tc.want))
			}
		})
	}
}
