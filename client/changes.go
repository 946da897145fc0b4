package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Change is one status added to or removed from a user, found when a sync
// or an import of the user's tenant made its data current.
type Change struct {
	// ID is the change's stable identity: the same change always has the
	// same ID, so that a program that may see a change twice (after
	// resuming from ResumeLink) can tell.
	ID string
	// Time is when the sync or import that found the change made its data
	// current, in UTC as the server writes it.
	Time       time.Time
	CustomerID string
	TenantID   string
	UserID     string
	// DisplayName and UserPrincipalName are the user's at the time of the
	// change (for a user that disappeared, as it was last seen).
	DisplayName       string
	UserPrincipalName string
	// Status is the status that came or went.
	Status Status
	// Added is true when the user gained the status, false when it lost
	// it.
	Added bool
}

// Change returns what happened as the API writes it: "added" or "removed".
func (ch Change) Change() string {
	if ch.Added {
		return "added"
	}
	return "removed"
}

// wireChange is a change as the API sends it.
type wireChange struct {
	ID                string `json:"id"`
	Time              string `json:"time"`
	CustomerID        string `json:"customerId"`
	TenantID          string `json:"tenantId"`
	UserID            string `json:"userId"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	Status            int    `json:"status"`
	Name              string `json:"name"`
	Change            string `json:"change"`
}

// UnmarshalJSON reads a change in the API's form.
func (ch *Change) UnmarshalJSON(b []byte) error {
	var w wireChange
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Status < 0 || w.Status > 15 {
		return fmt.Errorf("change %s: status %d is not a status number", w.ID, w.Status)
	}
	if w.Change != "added" && w.Change != "removed" {
		return fmt.Errorf("change %s: change %q is neither added nor removed", w.ID, w.Change)
	}
	t, err := time.Parse(time.RFC3339, w.Time)
	if err != nil {
		return fmt.Errorf("change %s: time %q is not an RFC 3339 time", w.ID, w.Time)
	}
	*ch = Change{
		ID: w.ID, Time: t, CustomerID: w.CustomerID, TenantID: w.TenantID, UserID: w.UserID,
		DisplayName: w.DisplayName, UserPrincipalName: w.UserPrincipalName,
		Status: Status(w.Status), Added: w.Change == "added",
	}
	return nil
}

// MarshalJSON writes the change in the API's form, so that a program can
// pass changes on exactly as the API sent them.
func (ch Change) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(wireChange{
		ID: ch.ID, Time: ch.Time.Format(time.RFC3339Nano), CustomerID: ch.CustomerID, TenantID: ch.TenantID,
		UserID: ch.UserID, DisplayName: ch.DisplayName, UserPrincipalName: ch.UserPrincipalName,
		Status: int(ch.Status), Name: ch.Status.String(), Change: ch.Change(),
	})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// DefaultChangesSince is how far back a read of changes without Since
// starts: the server's default, the last 24 hours.
const DefaultChangesSince = 24 * time.Hour

// ChangesQuery selects the changes to read. The zero value reads the
// changes of the last DefaultChangesSince in every tenant of the app's
// customer scope.
type ChangesQuery struct {
	// CustomerID and TenantID read one tenant's changes; both empty reads
	// the changes of every tenant in the app's customer scope.
	CustomerID, TenantID string
	// CustomerIDs and GroupIDs, across tenants only, keep the tenants of
	// these customers, and of the customers of these customer groups (a
	// tenant must match each that is given). They narrow the app's scope,
	// never widen it: a customer outside it matches nothing.
	CustomerIDs, GroupIDs []string
	// Since is where the read starts: the changes recorded at or after
	// it; DefaultChangesSince before now when zero.
	Since time.Time
	// PageSize is how many changes a request reads, 1 … MaxPageSize;
	// MaxPageSize when 0, to make the fewest requests.
	PageSize int
	// DeltaLink resumes an earlier read: the DeltaLink (or ResumeLink) of
	// its ChangesResult. It holds the tenant or filters and the page size
	// of that read, so the fields above are ignored with it.
	DeltaLink string
}

// ChangesResult tells where a read of changes ended, so that the next read
// resumes there. Read it after the loop over the changes.
type ChangesResult struct {
	mu            sync.Mutex
	delta, resume string
}

// DeltaLink is the link that reads only the changes after this read, once
// the loop has seen every change up to the feed's end; "" when the loop
// stopped before (a break, or an error). Keep it, and pass it as
// ChangesQuery.DeltaLink to read what happened next: a program that does
// so each time never misses or repeats a change.
func (r *ChangesResult) DeltaLink() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delta
}

// ResumeLink is where a read that stopped early starts again without
// missing a change: the DeltaLink when the loop saw every change; else the
// link of the page it stopped in (whose changes before the stop come
// again: tell them by Change.ID). "" when the query was refused before any
// request.
func (r *ChangesResult) ResumeLink() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resume
}

func (r *ChangesResult) update(f func(r *ChangesResult)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

// changesPage is a page of changes as the API sends it.
type changesPage struct {
	Data      []Change `json:"data"`
	NextLink  string   `json:"nextLink"`
	DeltaLink string   `json:"deltaLink"`
}

// Changes reads the feed of status changes, oldest first: it yields every
// change the query selects, following nextLink page by page (one page in
// memory), and ends at the page that carries a deltaLink, which the
// returned ChangesResult then holds. It stops after yielding an error;
// breaking out of the loop makes no further request. Each loop over the
// sequence reads from the query's start again.
//
//	changes, res := c.Changes(ctx, client.ChangesQuery{DeltaLink: saved})
//	for ch, err := range changes {
//		if err != nil {
//			return err
//		}
//		fmt.Println(ch.UserPrincipalName, ch.Change(), ch.Status)
//	}
//	saved = res.DeltaLink()
func (c *Client) Changes(ctx context.Context, q ChangesQuery) (iter.Seq2[Change, error], *ChangesResult) {
	res := &ChangesResult{}
	first, qerr := c.changesURL(q)
	seq := func(yield func(Change, error) bool) {
		res.update(func(r *ChangesResult) { r.delta, r.resume = "", first })
		if qerr != nil {
			yield(Change{}, qerr)
			return
		}
		for target := first; ; {
			next, delta, err := c.changesPage(ctx, target, yield)
			switch {
			case err != nil:
				yield(Change{}, err)
				return
			case next == "" && delta == "":
				return // the loop broke off
			case delta != "":
				res.update(func(r *ChangesResult) { r.delta, r.resume = delta, delta })
				return
			}
			res.update(func(r *ChangesResult) { r.resume = next })
			target = next
		}
	}
	return seq, res
}

// changesPage reads the page at target and yields its changes. It returns
// the page's checked nextLink or deltaLink, or neither when yield asked to
// stop.
func (c *Client) changesPage(ctx context.Context, target string, yield func(Change, error) bool) (next, delta string, err error) {
	var p changesPage
	if err := c.get(ctx, target, &p); err != nil {
		return "", "", err
	}
	// Both links are checked before any change is yielded, so that a
	// page the loop cannot go on from is an error, not a silent end.
	switch {
	case (p.NextLink == "") == (p.DeltaLink == ""):
		return "", "", fmt.Errorf("client: a page of changes from %s has %s, want exactly one of nextLink and deltaLink",
			redact(target), map[bool]string{true: "neither", false: "both"}[p.NextLink == ""])
	case p.NextLink != "":
		next, err = c.checkLink("nextLink", p.NextLink)
	default:
		delta, err = c.checkLink("deltaLink", p.DeltaLink)
	}
	if err != nil {
		return "", "", err
	}
	for _, ch := range p.Data {
		if !yield(ch, nil) {
			return "", "", nil
		}
	}
	return next, delta, nil
}

// changesURL returns the URL of the query's first page.
func (c *Client) changesURL(q ChangesQuery) (string, error) {
	if q.DeltaLink != "" {
		return c.checkLink("DeltaLink", q.DeltaLink)
	}
	customer, tenant := strings.TrimSpace(q.CustomerID) != "", strings.TrimSpace(q.TenantID) != ""
	if customer != tenant {
		return "", errors.New("client: CustomerID and TenantID name one tenant: give both, or neither to read every tenant in scope")
	}
	if tenant && (len(q.CustomerIDs) > 0 || len(q.GroupIDs) > 0) {
		return "", errors.New("client: CustomerIDs and GroupIDs narrow a read across tenants: leave CustomerID and TenantID empty with them")
	}
	v := url.Values{}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	size := q.PageSize
	if size == 0 {
		size = MaxPageSize
	}
	v.Set("pageSize", strconv.Itoa(size))
	if len(q.CustomerIDs) > 0 {
		v.Set("customerId", strings.Join(q.CustomerIDs, ","))
	}
	if len(q.GroupIDs) > 0 {
		v.Set("groupId", strings.Join(q.GroupIDs, ","))
	}
	path := "/partner/external/v3/um/overview/security/changes"
	if tenant {
		path = tenantPath(q.CustomerID, q.TenantID) + "/changes"
	}
	return c.apiURL(path, v)
}
