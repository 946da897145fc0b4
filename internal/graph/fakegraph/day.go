package fakegraph

import (
	"fmt"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// DayOptions says how AdvanceDay changes a tenant. A zero count means 1% of
// the tenant's users (at least one); a negative count, none.
type DayOptions struct {
	// Changed is how many users have their sign-in blocked, or unblocked
	// when it was blocked (accountEnabled flipped: SignInBlocked added or
	// removed).
	Changed int
	// Appeared is how many new users join, each with its sign-in blocked.
	Appeared int
	// Deleted is how many users are soft-deleted: they leave read 2 for
	// read 6.
	Deleted int
	// At is when the day's deletions happened; default the tenant's
	// GeneratedAt, or now for a tenant built by hand.
	At time.Time
	// Seed tells one day's new users from another's (their ids derive from
	// it); use a different one for each day of a tenant.
	Seed int64
}

// AdvanceDay returns the tenant a "day" later: some users' statuses change,
// some users appear, some are deleted, as DayOptions says; every other read
// and user is as it was. The users chosen are spread evenly over the
// tenant, never the same one twice in a day. The returned tenant computes
// its users from t's on demand, with one index per user (4 bytes) in memory.
func (t *Tenant) AdvanceDay(o DayOptions) *Tenant {
	n := t.Users.Len
	count := func(c int) int {
		switch {
		case c < 0:
			return 0
		case c == 0:
			return max(n/100, 1)
		}
		return c
	}
	deleted, changed, appeared := min(count(o.Deleted), n), count(o.Changed), count(o.Appeared)
	changed = min(changed, n-deleted)
	at := o.At
	if at.IsZero() {
		at = t.GeneratedAt
	}
	if at.IsZero() {
		at = time.Now()
	}
	// Users at even steps over the tenant are deleted; the ones just after
	// some of them change.
	gone := make(map[int]bool, deleted)
	for k := range deleted {
		gone[k*n/deleted] = true
	}
	flipped := make(map[int]bool, changed)
	for k := 0; len(flipped) < changed; k++ {
		if i := (k*n/max(changed, 1) + n/(2*max(changed, 1)) + k/max(changed, 1)) % n; !gone[i] && !flipped[i] {
			flipped[i] = true
		} else if k > 4*n {
			break // a tenant too small for the counts asked
		}
	}
	kept := make([]int32, 0, n-deleted)
	var removed []int32
	for i := range n {
		if gone[i] {
			removed = append(removed, int32(i))
		} else {
			kept = append(kept, int32(i))
		}
	}
	next := *t
	users := t.Users
	next.Users = Collection[graph.User]{Len: len(kept) + appeared, At: func(i int) graph.User {
		if i >= len(kept) {
			return newcomer(users.At((i-len(kept))*max(n, 1)/max(appeared, 1)%max(n, 1)), o.Seed, i-len(kept))
		}
		u := users.At(int(kept[i]))
		if flipped[int(kept[i])] {
			enabled := u.AccountEnabled == nil || !*u.AccountEnabled
			u.AccountEnabled = &enabled
		}
		return u
	}}
	old := t.Deleted
	next.Deleted = Collection[graph.User]{Len: old.Len + len(removed), At: func(i int) graph.User {
		if i < old.Len {
			return old.At(i)
		}
		u := users.At(int(removed[i-old.Len]))
		u.DeletedDateTime = &at
		return u
	}}
	return &next
}

// newcomer is the k-th new user of a day: a copy of like with its own id
// and principal name, and its sign-in blocked, so that it is a security
// user.
func newcomer(like graph.User, seed int64, k int) graph.User {
	u := like
	u.ID = fmt.Sprintf("%08x-%04x-4000-8000-%012x", uint32(seed), uint16(seed>>32), k)
	upn := fmt.Sprintf("new%d.%d@", seed, k)
	if like.UserPrincipalName != nil {
		if at := lastAt(*like.UserPrincipalName); at >= 0 {
			upn += (*like.UserPrincipalName)[at+1:]
		}
	}
	u.UserPrincipalName = &upn
	disabled := false
	u.AccountEnabled = &disabled
	return u
}

func lastAt(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return i
		}
	}
	return -1
}

// SetTenant makes the server serve t from the next request on, as the
// directory looks after AdvanceDay. t must have the same EntraTenantID.
func (s *Server) SetTenant(t *Tenant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenant = t
}
