package fakegraph

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/graph"
)

// TestAdvanceDay checks a day's counts user by user: the deleted users
// move from read 2 to read 6, dated; the changed ones have accountEnabled
// flipped and nothing else; the new ones have ids of their own and a
// blocked sign-in; everyone else is as before.
func TestAdvanceDay(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	before := Generate(7, 1000, at, GenerateOptions{})
	for _, tc := range []struct {
		name                       string
		opts                       DayOptions
		changed, appeared, deleted int
	}{
		{"defaults: 1% each", DayOptions{Seed: 1}, 10, 10, 10},
		{"counts", DayOptions{Seed: 2, Changed: 25, Appeared: 3, Deleted: 40}, 25, 3, 40},
		{"nothing", DayOptions{Seed: 3, Changed: -1, Appeared: -1, Deleted: -1}, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := before.AdvanceDay(tc.opts)
			if after.Users.Len != before.Users.Len-tc.deleted+tc.appeared || after.Deleted.Len != before.Deleted.Len+tc.deleted {
				t.Fatalf("got %d users and %d deleted, want %d and %d", after.Users.Len, after.Deleted.Len,
					before.Users.Len-tc.deleted+tc.appeared, before.Deleted.Len+tc.deleted)
			}
			was := map[string]graph.User{}
			for u := range before.Users.Values() {
				was[u.ID] = u
			}
			seen := map[string]bool{}
			var changed, appeared int
			for u := range after.Users.Values() {
				if seen[u.ID] {
					t.Fatalf("user %s listed twice", u.ID)
				}
				seen[u.ID] = true
				old, ok := was[u.ID]
				switch {
				case !ok:
					appeared++
					if _, err := uuid.Parse(u.ID); err != nil || u.AccountEnabled == nil || *u.AccountEnabled {
						t.Errorf("new user %s: want a GUID and a blocked sign-in, got %v", u.ID, u.AccountEnabled)
					}
				case enabled(old) != enabled(u):
					changed++
				}
			}
			if changed != tc.changed || appeared != tc.appeared {
				t.Errorf("got %d changed and %d new users, want %d and %d", changed, appeared, tc.changed, tc.appeared)
			}
			for i := before.Deleted.Len; i < after.Deleted.Len; i++ {
				u := after.Deleted.At(i)
				if _, ok := was[u.ID]; !ok || seen[u.ID] || u.DeletedDateTime == nil || !u.DeletedDateTime.Equal(at) {
					t.Errorf("deleted user %s: want one of read 2's, gone from it, deleted at %v; got %v", u.ID, at, u.DeletedDateTime)
				}
			}
			// The same options give the same day.
			again := before.AdvanceDay(tc.opts)
			for i := range after.Users.Len {
				if a, b := after.Users.At(i), again.Users.At(i); a.ID != b.ID || enabled(a) != enabled(b) {
					t.Fatalf("user %d differs between two advances with the same options", i)
				}
			}
		})
	}
}

func enabled(u graph.User) bool { return u.AccountEnabled == nil || *u.AccountEnabled }

// TestSetTenant: a server serves the tenant set last.
func TestSetTenant(t *testing.T) {
	t.Parallel()
	gt := Generate(8, 50, time.Now(), GenerateOptions{})
	s := NewServer(gt)
	next := gt.AdvanceDay(DayOptions{Seed: 1})
	s.SetTenant(next)
	if s.Tenant() != next {
		t.Error("Tenant after SetTenant: got the old tenant")
	}
}
