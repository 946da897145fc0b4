package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// change is a StatusChange as the tests compare it: whose, which status,
// which way.
type change struct {
	UserID string
	Status secusers.Status
	Added  bool
}

// changesOf returns what a replacement from before to after must record:
// for each user, each status added or removed, a user that appears or
// disappears counting as one without statuses on the other side.
func changesOf(before, after []secusers.User) []change {
	old := map[string]secusers.StatusSet{}
	for _, u := range before {
		old[u.ID] = u.Status
	}
	var out []change
	add := func(id string, was, is secusers.StatusSet) {
		added, removed := secusers.ChangesOf(was, is)
		for _, st := range added.Statuses() {
			out = append(out, change{id, st, true})
		}
		for _, st := range removed.Statuses() {
			out = append(out, change{id, st, false})
		}
	}
	now := map[string]bool{}
	for _, u := range after {
		now[u.ID] = true
		add(u.ID, old[u.ID], u.Status)
	}
	for _, u := range before {
		if !now[u.ID] {
			add(u.ID, u.Status, 0)
		}
	}
	return sortedChanges(out)
}

func sortedChanges(cs []change) []change {
	slices.SortFunc(cs, func(a, b change) int {
		if c := cmp.Compare(a.UserID, b.UserID); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Status, b.Status); c != 0 {
			return c
		}
		switch {
		case a.Added == b.Added:
			return 0
		case a.Added:
			return 1
		}
		return -1
	})
	return cs
}

// allChanges reads the whole feed of the tenants after a cursor, a few
// changes a read, as a poller does, checking that it comes oldest first and
// that a change's ID is never seen twice. It returns the changes and where
// the poller resumes.
func allChanges(t *testing.T, s secusers.Store, after secusers.ChangeCursor, tenantIDs ...string) ([]secusers.StatusChange, secusers.ChangeCursor) {
	t.Helper()
	var out []secusers.StatusChange
	seen := map[string]bool{}
	for {
		page, err := s.Changes(ctx(t), secusers.ChangeQuery{TenantIDs: tenantIDs, After: after, Limit: 3})
		must(t, "Changes", err)
		for _, c := range page.Changes {
			if !after.Before(c.Cursor) {
				t.Fatalf("Changes after %+v: got change %s at %+v, not after it", after, c.ID(), c.Cursor)
			}
			if seen[c.ID()] {
				t.Fatalf("Changes: change %s read twice", c.ID())
			}
			seen[c.ID()] = true
			after = c.Cursor
		}
		out = append(out, page.Changes...)
		if len(page.Changes) < 3 {
			if page.Latest.Before(after) {
				t.Fatalf("Changes: the feed's end %+v is before its last change %+v", page.Latest, after)
			}
			return out, page.Latest
		}
	}
}

func comparable(cs []secusers.StatusChange) []change {
	out := make([]change, len(cs))
	for i, c := range cs {
		out[i] = change{c.UserID, c.Status, c.Added}
	}
	return sortedChanges(out)
}

// nextDay returns the users of a "day" later: every third user's statuses
// change, every fifth disappears, every seventh is renamed (which moves it
// in the API's order), and a few new users appear.
func nextDay(users []secusers.User, day int) []secusers.User {
	var out []secusers.User
	statuses := []secusers.StatusSet{0, secusers.StatusSetOf(secusers.HighRisk), secusers.StatusSetOf(secusers.MFADisabled, secusers.Inactive)}
	for i, u := range users {
		switch {
		case (i+day)%5 == 0:
			continue
		case (i+day)%3 == 0:
			u.Status = statuses[(i+day)%len(statuses)]
			u.IsTestUser = false
		}
		if (i+day)%7 == 0 {
			u.DisplayName = fmt.Sprintf("Renamed %d %s", day, u.DisplayName)
		}
		out = append(out, u)
	}
	return append(out, mixedUsers(4)...)
}

var generationTests = []test{
	{"FirstFillRecordsNoChanges", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		replace(t, s, tn.ID, mixedUsers(20))
		if got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID); len(got) != 0 {
			t.Errorf("Changes after a tenant's first fill: got %d, want none", len(got))
		}
	}},
	{"RecordsEveryStatusAddedAndRemoved", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		a := newUser("Ann", secusers.StatusSetOf(secusers.MFADisabled))
		b := newUser("Bob", secusers.StatusSetOf(secusers.HighRisk, secusers.Inactive))
		c := newUser("Cy", 0)
		d := newUser("Di", secusers.StatusSetOf(secusers.Compliance))
		before := []secusers.User{a, b, c, d}
		replace(t, s, tn.ID, before)
		_, resume := allChanges(t, s, secusers.ChangeCursor{}, tn.ID)
		a.Status = a.Status.With(secusers.HighRisk)    // HighRisk added
		b.Status = b.Status.Without(secusers.HighRisk) // HighRisk removed
		c.Status = secusers.StatusSetOf(secusers.SignInBlocked)
		e := newUser("Ed", secusers.StatusSetOf(secusers.MediumRisk, secusers.PasswordExpired)) // new
		f := newUser("Flo", 0)                                                                  // new, clean: nothing
		after := []secusers.User{f, e, c, b, a}                                                 // d is gone
		start := time.Now().Add(-time.Millisecond)
		replace(t, s, tn.ID, after)
		end := time.Now().Add(time.Millisecond)
		got, _ := allChanges(t, s, resume, tn.ID)
		want := []change{
			{a.ID, secusers.HighRisk, true}, {b.ID, secusers.HighRisk, false}, {c.ID, secusers.SignInBlocked, true},
			{d.ID, secusers.Compliance, false}, {e.ID, secusers.PasswordExpired, true}, {e.ID, secusers.MediumRisk, true},
		}
		if diff := gocmp.Diff(sortedChanges(want), comparable(got)); diff != "" {
			t.Fatalf("Changes of a replacement (-want +got):\n%s", diff)
		}
		if diff := gocmp.Diff(changesOf(before, after), comparable(got)); diff != "" {
			t.Errorf("changesOf disagrees with the store (-want +got):\n%s", diff)
		}
		users := map[string]secusers.User{a.ID: a, b.ID: b, c.ID: c, d.ID: d, e.ID: e}
		for _, ch := range got {
			u := users[ch.UserID]
			if ch.TenantID != tn.ID || ch.CustomerID != tn.CustomerID || ch.DisplayName != u.DisplayName || ch.UserPrincipalName != u.UserPrincipalName {
				t.Errorf("change %s: got tenant %q, customer %q, name %q, UPN %q; want %q, %q, %q, %q", ch.ID(),
					ch.TenantID, ch.CustomerID, ch.DisplayName, ch.UserPrincipalName, tn.ID, tn.CustomerID, u.DisplayName, u.UserPrincipalName)
			}
			if ch.Time.Before(start) || ch.Time.After(end) || ch.Time != got[0].Time {
				t.Errorf("change %s: got time %v, want the replacement's, between %v and %v", ch.ID(), ch.Time, start, end)
			}
		}
	}},
	{"RenamedUsersAreComparedByID", func(t *testing.T, s secusers.Store) {
		// A new display name moves a user in the API's order; its
		// statuses are still compared with its own, found by id.
		tn := newTenant(t, s)
		a := newUser("Ann", secusers.StatusSetOf(secusers.MFADisabled))
		b := newUser("Bob", secusers.StatusSetOf(secusers.HighRisk))
		c := newUser("Cy", secusers.StatusSetOf(secusers.Compliance))
		d := newUser("Di", 0)
		e := newUser("Ed", secusers.StatusSetOf(secusers.Inactive))
		replace(t, s, tn.ID, []secusers.User{a, b, c, d, e})
		_, resume := allChanges(t, s, secusers.ChangeCursor{}, tn.ID)
		a.DisplayName = "Zed"                                                         // moved, the same statuses: nothing
		b.DisplayName, b.Status = "Aaron", b.Status.With(secusers.Inactive)           // moved, a status added
		c.DisplayName, c.Status = "Xavier", 0                                         // moved, its only status removed
		d.DisplayName, d.Status = "Abe", secusers.StatusSetOf(secusers.SignInBlocked) // moved, its first status
		after := []secusers.User{a, b, c, d, e}
		replace(t, s, tn.ID, after)
		got, _ := allChanges(t, s, resume, tn.ID)
		want := []change{{b.ID, secusers.Inactive, true}, {c.ID, secusers.Compliance, false}, {d.ID, secusers.SignInBlocked, true}}
		if diff := gocmp.Diff(sortedChanges(want), comparable(got)); diff != "" {
			t.Fatalf("Changes of a replacement that renames users (-want +got):\n%s", diff)
		}
		names := map[string]string{b.ID: "Aaron", c.ID: "Xavier", d.ID: "Abe"}
		for _, ch := range got {
			if ch.DisplayName != names[ch.UserID] {
				t.Errorf("change %s: got name %q, want the new one, %q", ch.ID(), ch.DisplayName, names[ch.UserID])
			}
		}
	}},
	{"UnchangedReplacementRecordsNone", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(25)
		replace(t, s, tn.ID, users)
		slices.Reverse(users) // another order is the same data
		replace(t, s, tn.ID, users)
		if got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID); len(got) != 0 {
			t.Errorf("Changes after replacing with the same users: got %+v, want none", comparable(got))
		}
	}},
	{"ManyChunks", func(t *testing.T, s secusers.Store) {
		// More users than one transaction writes, so that the chunks
		// of the writing and of the comparison meet at their edges.
		tn := newTenant(t, s)
		users := mixedUsers(2*secusers.GenerationChunk + 17)
		replace(t, s, tn.ID, users)
		next := nextDay(users, 1)
		replace(t, s, tn.ID, next)
		if diff := gocmp.Diff(inOrder(next), allUsers(t, s, tn.ID)); diff != "" {
			t.Fatalf("Users after a replacement of several chunks (-want +got):\n%s", diff)
		}
		got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID)
		if diff := gocmp.Diff(changesOf(users, next), comparable(got)); diff != "" {
			t.Errorf("Changes of a replacement of several chunks (-want +got):\n%s", diff)
		}
		page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 1})
		must(t, "SecurityUsers", err)
		if want := int64(len(matching(next, 0))); page.Total != want {
			t.Errorf("SecurityUsers total after the replacement: got %d, want %d", page.Total, want)
		}
	}},
	{"FeedNeverMissesOrRepeats", func(t *testing.T, s secusers.Store) {
		// Two tenants of different partners replaced in turns, read by a
		// poller that resumes where it stopped; a third tenant, not
		// read, changes too.
		one, two, other := newTenant(t, s), newTenant(t, s), newTenant(t, s)
		days := map[string][]secusers.User{one.ID: mixedUsers(30), two.ID: mixedUsers(18), other.ID: mixedUsers(9)}
		for id, users := range days {
			replace(t, s, id, users)
		}
		var want, got []change
		var resume secusers.ChangeCursor
		for day := 1; day <= 4; day++ {
			for _, id := range []string{one.ID, other.ID, two.ID} {
				next := nextDay(days[id], day)
				replace(t, s, id, next)
				if id != other.ID {
					want = append(want, changesOf(days[id], next)...)
				}
				days[id] = next
			}
			read, end := allChanges(t, s, resume, one.ID, two.ID)
			for _, c := range read {
				if c.TenantID != one.ID && c.TenantID != two.ID {
					t.Fatalf("Changes of tenants %s and %s: got a change of tenant %s", one.ID, two.ID, c.TenantID)
				}
			}
			got, resume = append(got, comparable(read)...), end
		}
		if diff := gocmp.Diff(sortedChanges(want), sortedChanges(got)); diff != "" {
			t.Errorf("Changes read by a poller over four days (-want +got):\n%s", diff)
		}
		if again, _ := allChanges(t, s, resume, one.ID, two.ID); len(again) != 0 {
			t.Errorf("Changes after the feed's end: got %d, want none", len(again))
		}
		page, err := s.Changes(ctx(t), secusers.ChangeQuery{Limit: 10})
		must(t, "Changes of no tenant", err)
		if len(page.Changes) != 0 {
			t.Errorf("Changes of no tenant: got %d, want none", len(page.Changes))
		}
	}},
	{"Since", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(15)
		replace(t, s, tn.ID, users)
		day1 := nextDay(users, 1)
		replace(t, s, tn.ID, day1)
		laterThan(time.Now())
		since := time.Now()
		laterThan(since)
		day2 := nextDay(day1, 2)
		replace(t, s, tn.ID, day2)
		page, err := s.Changes(ctx(t), secusers.ChangeQuery{TenantIDs: []string{tn.ID}, Since: since, Limit: 1000})
		must(t, "Changes", err)
		if diff := gocmp.Diff(changesOf(day1, day2), comparable(page.Changes)); diff != "" {
			t.Errorf("Changes since the second replacement began (-want +got):\n%s", diff)
		}
	}},
	{"FailedReplacementRecordsNothing", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(12)
		replace(t, s, tn.ID, users)
		today := secusers.DayOf(time.Now())
		before, err := s.History(ctx(t), tn.ID, today, today)
		must(t, "History", err)
		errBroken := errors.New("the source broke")
		_, err = s.ReplaceUsers(ctx(t), tn.ID, failAfter(nextDay(users, 1), 8, errBroken))
		if !errors.Is(err, errBroken) {
			t.Fatalf("ReplaceUsers of a failing sequence: got %v, want its error", err)
		}
		if got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID); len(got) != 0 {
			t.Errorf("Changes after a failed replacement: got %d, want none", len(got))
		}
		after, err := s.History(ctx(t), tn.ID, today, today)
		must(t, "History", err)
		if diff := gocmp.Diff(before, after); diff != "" {
			t.Errorf("History after a failed replacement (-before +after):\n%s", diff)
		}
		// The next replacement compares with the current generation,
		// not with what the failed one wrote.
		next := nextDay(users, 2)
		replace(t, s, tn.ID, next)
		got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID)
		if diff := gocmp.Diff(changesOf(users, next), comparable(got)); diff != "" {
			t.Errorf("Changes after a failed replacement and a good one (-want +got):\n%s", diff)
		}
	}},
	{"ReadersSeeTheCurrentGenerationWhileOneIsWritten", func(t *testing.T, s secusers.Store) {
		// The sequence reads the tenant midway through the replacement,
		// after whole chunks were written: it still sees the old
		// generation, and no transaction is open while it does.
		tn := newTenant(t, s)
		old := mixedUsers(10)
		replace(t, s, tn.ID, old)
		next := mixedUsers(secusers.GenerationChunk + 50)
		checked := false
		seq := func(yield func(secusers.User, error) bool) {
			for i, u := range next {
				if i == secusers.GenerationChunk+25 {
					checked = true
					if diff := gocmp.Diff(inOrder(old), allUsers(t, s, tn.ID)); diff != "" {
						t.Errorf("Users during a replacement (-want +got):\n%s", diff)
					}
					page, err := s.SecurityUsers(ctx(t), tn.ID, secusers.UserQuery{Limit: 1000})
					must(t, "SecurityUsers during a replacement", err)
					if page.Total != int64(len(matching(old, 0))) {
						t.Errorf("SecurityUsers total during a replacement: got %d, want %d", page.Total, len(matching(old, 0)))
					}
					if _, err := s.CreatePartner(ctx(t), secusers.Partner{ID: newID(), Name: "Meanwhile"}); err != nil {
						t.Errorf("CreatePartner during a replacement: got %v, want nil", err)
					}
				}
				if !yield(u, nil) {
					return
				}
			}
		}
		r, err := s.ReplaceUsers(ctx(t), tn.ID, seq)
		must(t, "ReplaceUsers", err)
		if !checked || r.After != len(next) {
			t.Fatalf("ReplaceUsers: got %+v, checked %v; want %d users written and a check midway", r, checked, len(next))
		}
		if got := allUsers(t, s, tn.ID); len(got) != len(next) {
			t.Errorf("Users after the replacement: got %d, want %d", len(got), len(next))
		}
	}},
	{"LaterReplacementSupersedes", func(t *testing.T, s secusers.Store) {
		// A replacement begun while another is being written, and
		// finished first, wins; the earlier one then fails and changes
		// nothing.
		tn := newTenant(t, s)
		replace(t, s, tn.ID, mixedUsers(5))
		inner := mixedUsers(7)
		outer := func(yield func(secusers.User, error) bool) {
			for i, u := range mixedUsers(9) {
				if i == 4 {
					replace(t, s, tn.ID, inner)
				}
				if !yield(u, nil) {
					return
				}
			}
		}
		_, err := s.ReplaceUsers(ctx(t), tn.ID, outer)
		wantKind(t, "ReplaceUsers overtaken by a later one", err, secusers.Conflict)
		if diff := gocmp.Diff(inOrder(inner), allUsers(t, s, tn.ID)); diff != "" {
			t.Errorf("Users after a superseded replacement (-want the later one's +got):\n%s", diff)
		}
		replace(t, s, tn.ID, mixedUsers(3)) // and the tenant is writable after it
	}},
	{"History", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		today := secusers.DayOf(time.Now())
		points, err := s.History(ctx(t), tn.ID, today.AddDate(0, 0, -30), today)
		must(t, "History of a tenant never filled", err)
		if len(points) != 0 {
			t.Errorf("History of a tenant never filled: got %+v, want none", points)
		}
		replace(t, s, tn.ID, mixedUsers(40))
		users := nextDay(mixedUsers(33), 1)
		replace(t, s, tn.ID, users) // the day's point is its last generation's
		counts := map[secusers.StatusSet]int64{}
		for _, u := range users {
			counts[u.Status]++
		}
		wantCounts, wantSecurity := secusers.CountsOf(counts)
		points, err = s.History(ctx(t), tn.ID, today.AddDate(0, 0, -30), today)
		must(t, "History", err)
		want := []secusers.HistoryPoint{{Day: today, SecurityUsers: wantSecurity, Counts: wantCounts}}
		if diff := gocmp.Diff(want, points); diff != "" {
			t.Errorf("History after two replacements today (-want +got):\n%s", diff)
		}
		points, err = s.History(ctx(t), tn.ID, today.AddDate(0, 0, -30), today.AddDate(0, 0, -1))
		must(t, "History", err)
		if len(points) != 0 {
			t.Errorf("History up to yesterday: got %+v, want none", points)
		}
		_, err = s.History(ctx(t), newID(), today, today)
		wantKind(t, "History of an unknown tenant", err, secusers.NotFound)
	}},
	{"StatusIntervals", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		u := newUser("Ann", secusers.StatusSetOf(secusers.MFADisabled))
		first := time.Now().Add(-time.Millisecond)
		replace(t, s, tn.ID, []secusers.User{u})
		laterThan(first)
		second := time.Now()
		u.Status = secusers.StatusSetOf(secusers.HighRisk)
		replace(t, s, tn.ID, []secusers.User{u})
		got, err := s.StatusIntervals(ctx(t), tn.ID, u.ID)
		must(t, "StatusIntervals", err)
		if len(got) != 2 || got[0].Status != secusers.MFADisabled || got[1].Status != secusers.HighRisk {
			t.Fatalf("StatusIntervals: got %+v, want MFADisabled ended and HighRisk open", got)
		}
		if got[0].From.Before(first) || got[0].To.Before(second) || !got[1].From.Equal(got[0].To) || !got[1].To.IsZero() {
			t.Errorf("StatusIntervals: got %+v, want MFADisabled from the first fill to the second, HighRisk open since", got)
		}
		if other, err := s.StatusIntervals(ctx(t), newTenant(t, s).ID, u.ID); err != nil || len(other) != 0 {
			t.Errorf("StatusIntervals of the user in another tenant: got %+v, %v; want none", other, err)
		}
	}},
	{"PruneHistory", func(t *testing.T, s secusers.Store) {
		tn := newTenant(t, s)
		users := mixedUsers(12)
		replace(t, s, tn.ID, users)
		next := nextDay(users, 1)
		replace(t, s, tn.ID, next)
		today := secusers.DayOf(time.Now())
		if _, err := s.PruneHistory(ctx(t), today); err != nil {
			t.Fatalf("PruneHistory: %v", err)
		}
		if got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID); len(got) == 0 {
			t.Fatal("PruneHistory before today deleted today's changes")
		}
		n, err := s.PruneHistory(ctx(t), time.Now().Add(time.Hour*48))
		must(t, "PruneHistory", err)
		if n == 0 {
			t.Error("PruneHistory of everything: got 0 rows deleted")
		}
		if got, _ := allChanges(t, s, secusers.ChangeCursor{}, tn.ID); len(got) != 0 {
			t.Errorf("Changes after PruneHistory of everything: got %d, want none", len(got))
		}
		points, err := s.History(ctx(t), tn.ID, today.AddDate(0, 0, -1), today.AddDate(0, 0, 1))
		must(t, "History", err)
		if len(points) != 0 {
			t.Errorf("History after PruneHistory of everything: got %+v, want none", points)
		}
		for _, u := range next {
			intervals, err := s.StatusIntervals(ctx(t), tn.ID, u.ID)
			must(t, "StatusIntervals", err)
			if got, want := len(intervals), u.Status.Len(); got != want {
				t.Errorf("StatusIntervals of user %s after PruneHistory: got %d, want its %d open ones", u.ID, got, want)
			}
		}
		// The users themselves are untouched.
		if got := allUsers(t, s, tn.ID); len(got) != len(next) {
			t.Errorf("Users after PruneHistory: got %d, want %d", len(got), len(next))
		}
	}},
}
