package postgres

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// TestPruneKeepsIntervals replaces one user's statuses on five days and
// prunes the history before the middle of the third: the interval that
// ended before goes, with its changes; the one that began before and ended
// after stays whole, though the change that began it leaves the feed; the
// later ones stay as they were.
func TestPruneKeepsIntervals(t *testing.T) {
	t.Parallel()
	day1 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := day1
	s := open(t, pgtest.DSN(t), WithClock(func() time.Time { return now }))
	defer s.Close()
	ctx := t.Context()
	tenant := storetest.NewTenant(t, s)
	u := mixedUsers(1)[0]
	u.IsTestUser = false
	a, b := secusers.MFADisabled, secusers.HighRisk
	days := []secusers.StatusSet{
		secusers.StatusSetOf(a),    // day 1: a (the first fill)
		secusers.StatusSetOf(a, b), // day 2: b added
		secusers.StatusSetOf(b),    // day 3: a removed
		0,                          // day 4: b removed
		secusers.StatusSetOf(a),    // day 5: a added
	}
	for i, st := range days {
		now = day1.AddDate(0, 0, i)
		u.Status = st
		if _, err := s.ReplaceUsers(ctx, tenant, storetest.Seq([]secusers.User{u})); err != nil {
			t.Fatal(err)
		}
	}
	at := func(day int) time.Time { return day1.AddDate(0, 0, day-1) }

	n, err := s.PruneHistory(ctx, at(3).Add(6*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Points of days 1 and 2; a's present row of day 1 and removed row of
	// day 3; the generations of days 1 and 3, which have no rows left.
	if n != 6 {
		t.Errorf("PruneHistory: got %d rows deleted, want 6", n)
	}
	intervals, err := s.StatusIntervals(ctx, tenant, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []secusers.StatusInterval{{Status: b, From: at(2), To: at(4)}, {Status: a, From: at(5)}}
	if diff := cmp.Diff(want, intervals); diff != "" {
		t.Errorf("StatusIntervals after PruneHistory (-want +got):\n%s", diff)
	}
	page, err := s.Changes(ctx, secusers.ChangeQuery{TenantIDs: []string{tenant}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range page.Changes {
		got = append(got, c.Status.String()+" "+c.Change()+" "+c.Time.Format(time.DateOnly))
	}
	if diff := cmp.Diff([]string{"HighRisk removed 2026-03-04", "MFADisabled added 2026-03-05"}, got); diff != "" {
		t.Errorf("Changes after PruneHistory (-want +got):\n%s", diff)
	}
	points, err := s.History(ctx, tenant, at(1), at(5))
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 3 || !points[0].Day.Equal(at(3).Add(-12*time.Hour)) {
		t.Errorf("History after PruneHistory: got %+v, want the points of days 3 to 5", points)
	}
}
