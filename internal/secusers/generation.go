package secusers

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Generations (sync.md, "Writing a run: generations"): a replacement of a
// tenant's users (an import or a sync run) writes a new generation of them
// in short transactions, then one short transaction makes it current.
// Readers read the current generation only. Making a generation current
// compares it with the one before and records every status added to or
// removed from a user (a StatusChange), the users' status intervals and the
// tenant's point of the day (a HistoryPoint).

// GenerationChunk is how many users a replacement writes per transaction
// (SQLite writes three times as many: sqlite's writeChunk), and how many change
// rows: a thousand rows keep each transaction well under a second on either
// store, also for a tenant of a million users and on a busy machine, so
// that a replacement never holds a write lock for long, while each commit's
// fixed cost is spread over many rows. (With 4,000, PostgreSQL's longest
// transaction at a million users grew from 0.87 s to 1.96 s.)
const GenerationChunk = 1000

// Superseded is the error of a replacement that a later one of the same
// tenant overtook: the later one began after it and became current first,
// so making this one current would bring older data back.
func Superseded(tenantID string, generation int64) error {
	return Errorf(Conflict, "another replacement of tenant %s began later and finished first; generation %d was discarded", tenantID, generation)
}

// StatusCounts counts, for each status, the users that have it (a user
// with two statuses counts in both).
type StatusCounts [NumStatuses]int64

// CountsOf sums the users of each status set into per-status counts, and
// the users that have at least one status.
func CountsOf(sets map[StatusSet]int64) (counts StatusCounts, securityUsers int64) {
	for set, users := range sets {
		if set == 0 {
			continue
		}
		securityUsers += users
		for _, st := range set.Statuses() {
			counts[st] += users
		}
	}
	return counts, securityUsers
}

// EncodeCounts writes counts as stored: the numbers in status order,
// separated by commas.
func EncodeCounts(c StatusCounts) string {
	var b strings.Builder
	for i, n := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	return b.String()
}

// DecodeCounts reads what EncodeCounts wrote. A stored value with fewer
// numbers (written before a status was added) leaves the rest zero.
func DecodeCounts(s string) (StatusCounts, error) {
	var c StatusCounts
	if s == "" {
		return c, nil
	}
	for i, part := range strings.Split(s, ",") {
		if i >= NumStatuses {
			break
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return c, fmt.Errorf("stored status counts %q: %w", s, err)
		}
		c[i] = n
	}
	return c, nil
}

// HistoryPoint is a tenant's state on one UTC day: the counts of the last
// generation that was current at that day's end (or now, for today).
type HistoryPoint struct {
	// Day is the day's midnight, UTC.
	Day           time.Time
	SecurityUsers int64
	Counts        StatusCounts
}

// DayOf returns the UTC midnight of t's day.
func DayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DayNumber is a day as stored: days since 1970-01-01 (UTC).
func DayNumber(t time.Time) int64 { return DayOf(t).Unix() / 86400 }

// DayFromNumber is the inverse of DayNumber.
func DayFromNumber(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// ChangeCursor is a position in the feed of status changes. Changes are
// ordered by the Seq of the generation that recorded them (given when the
// generation became current, in the order generations became current, so
// a later-current generation never has a smaller Seq), then by their
// Ordinal within it. A reader that has every change up to a cursor and
// resumes after it never misses or repeats one.
type ChangeCursor struct {
	Seq, Ordinal int64
}

// EndOfSeq is the largest Ordinal: the cursor {Seq, EndOfSeq} comes after
// every change of the generations up to Seq.
const EndOfSeq = math.MaxInt64

// Before reports whether c comes before o in the feed.
func (c ChangeCursor) Before(o ChangeCursor) bool {
	return c.Seq < o.Seq || c.Seq == o.Seq && c.Ordinal < o.Ordinal
}

// StatusChange is one status added to or removed from a user when a
// generation of its tenant became current (overview-api.md §4).
type StatusChange struct {
	Cursor ChangeCursor
	// Time is when the generation became current.
	Time              time.Time
	CustomerID        string
	TenantID          string
	UserID            string
	DisplayName       string
	UserPrincipalName string
	Status            Status
	// Added is true when the user gained the status, false when it lost it.
	Added bool
}

// ID is the change's stable identity, e.g. "17-4": the same change always
// has the same ID, so that a receiver can tell a repeat.
func (c StatusChange) ID() string {
	return strconv.FormatInt(c.Cursor.Seq, 10) + "-" + strconv.FormatInt(c.Cursor.Ordinal, 10)
}

// Change is "added" or "removed", as the API writes it.
func (c StatusChange) Change() string {
	if c.Added {
		return "added"
	}
	return "removed"
}

// ChangeQuery selects status changes from the feed.
type ChangeQuery struct {
	// TenantIDs are the tenants whose changes are read; none reads none.
	// The caller has checked them against the app's customer scope.
	TenantIDs []string
	// Since keeps the changes of generations made current at or after it;
	// zero keeps all.
	Since time.Time
	// After keeps the changes after this position.
	After ChangeCursor
	// Limit is the most changes returned; at least 1.
	Limit int
}

// ChangePage is a read of the feed: at most Limit changes, oldest first,
// and the feed's end when it was read (every generation current by then has
// a Seq up to Latest.Seq), which is where a reader that has read the last
// page resumes.
type ChangePage struct {
	Changes []StatusChange
	Latest  ChangeCursor
}

// StatusInterval is one stretch of time a user had a status: From is when
// the generation that first had it became current (for a tenant's first
// fill, when that fill did), To when the first generation without it did;
// To is zero while the user still has it.
type StatusInterval struct {
	Status   Status
	From, To time.Time
}

// ChangesOf returns the statuses added (in now, not in before) and removed
// (in before, not in now).
func ChangesOf(before, now StatusSet) (added, removed StatusSet) {
	return now &^ before, before &^ now
}

// StatusEvent is a user gaining (Has) or losing a status at a time, as the
// stores keep it: the baseline of a first fill and every change.
type StatusEvent struct {
	Status Status
	Has    bool
	At     time.Time
}

// IntervalsOf folds a user's status events, each status's in time order,
// into intervals, sorted by From and then Status. A status gained while
// already held (a baseline, then the same status added after a pruned
// removal) keeps the earlier start; a loss without a start is ignored.
func IntervalsOf(events []StatusEvent) []StatusInterval {
	var out []StatusInterval
	open := map[Status]int{} // status → index in out of its open interval
	for _, e := range events {
		i, isOpen := open[e.Status]
		switch {
		case e.Has && !isOpen:
			open[e.Status] = len(out)
			out = append(out, StatusInterval{Status: e.Status, From: e.At})
		case !e.Has && isOpen:
			out[i].To = e.At
			delete(open, e.Status)
		}
	}
	slices.SortStableFunc(out, func(a, b StatusInterval) int {
		if c := a.From.Compare(b.From); c != 0 {
			return c
		}
		return int(a.Status) - int(b.Status)
	})
	return out
}

// Housekeeping returns the context of the work a replacement leaves behind
// it (deleting an older or a failed generation): it goes on while ctx does,
// however long a large tenant takes, and for grace more after ctx ends, so
// that a run cancelled as it finishes still cleans up, while a process
// shutting down is not held long. What it does not finish, the tenant's
// next replacement deletes. Call cancel when the work is done.
func Housekeeping(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return work, func() { stop(); cancel() }
}
