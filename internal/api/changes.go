package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// respondChanges reads one page of the feed of status changes of the
// request's tenants and writes it (overview-api.md §4).
//
// It asks the store for one change more than the page holds: when that
// one exists, the page is full and nextLink resumes after its last change;
// otherwise the page is the feed's end and deltaLink resumes after the
// feed's end as the store saw it in the same snapshot (ChangePage.Latest),
// so that changes of tenants the request does not read, and the changes
// that became current meanwhile, neither are skipped nor come twice.
func (h *Handler) respondChanges(ctx context.Context, w http.ResponseWriter, c *call) error {
	q := c.changes
	read := secusers.ChangeQuery{TenantIDs: c.tenantIDs, Limit: q.PageSize + 1}
	if q.Token != nil {
		// The position is past since already: since was applied to
		// the request that made the token.
		read.After = q.Token.after
	} else {
		read.Since = q.Since
	}
	page, err := h.store.Changes(ctx, read)
	if err != nil {
		return fmt.Errorf("read changes of %d tenants: %w", len(c.tenantIDs), err)
	}
	changes := page.Changes
	var next, delta string
	if len(changes) > q.PageSize {
		changes = changes[:q.PageSize]
		next = h.changesLink(c, "skipToken", changes[len(changes)-1].Cursor)
	} else {
		delta = h.changesLink(c, "deltaToken", resumeAt(read.After, page))
	}
	body, err := encodeChanges(changes, next, delta)
	if err != nil {
		return err
	}
	send(w, http.StatusOK, body)
	return nil
}

// resumeAt is where a deltaLink resumes: the feed's end, or, should a
// token name a position past it (a forged one), that position, so that a
// poller never goes back and reads a change twice.
func resumeAt(after secusers.ChangeCursor, page secusers.ChangePage) secusers.ChangeCursor {
	resume := page.Latest
	if resume.Before(after) {
		resume = after
	}
	if n := len(page.Changes); n > 0 && resume.Before(page.Changes[n-1].Cursor) {
		resume = page.Changes[n-1].Cursor
	}
	return resume
}

// changesLink returns the absolute URL that resumes the request after a
// position: the request's own path (with or without "/partner", as the
// client called it), its pageSize and filters, and the token under name
// (skipToken for nextLink, deltaToken for deltaLink). since is not carried
// over: the token's position lies past it.
func (h *Handler) changesLink(c *call, name string, after secusers.ChangeCursor) string {
	q := c.changes
	b := make([]byte, 0, 256)
	b = append(b, h.base(c.r)...)
	b = append(b, c.r.URL.EscapedPath()...)
	b = append(b, "?pageSize="...)
	b = strconv.AppendInt(b, int64(q.PageSize), 10)
	// GUIDs and base64url: nothing to escape.
	if len(q.CustomerIDs) > 0 {
		b = append(b, "&customerId="...)
		b = append(b, strings.Join(q.CustomerIDs, ",")...)
	}
	if len(q.GroupIDs) > 0 {
		b = append(b, "&groupId="...)
		b = append(b, strings.Join(q.GroupIDs, ",")...)
	}
	b = append(b, '&')
	b = append(b, name...)
	b = append(b, '=')
	b = append(b, encodeChangeToken(changeScope(c), after)...)
	return string(b)
}

// changesBody is the 200 body of a changes request: the page's changes
// and exactly one of nextLink and deltaLink.
type changesBody struct {
	Data      []changeJSON `json:"data"`
	NextLink  string       `json:"nextLink,omitempty"`
	DeltaLink string       `json:"deltaLink,omitempty"`
}

// changeJSON is one change as the API writes it (overview-api.md §4).
type changeJSON struct {
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

// encodeChanges writes the 200 body of a page of changes.
func encodeChanges(changes []secusers.StatusChange, next, delta string) ([]byte, error) {
	body := changesBody{Data: make([]changeJSON, len(changes)), NextLink: next, DeltaLink: delta}
	for i, ch := range changes {
		body.Data[i] = changeJSON{
			ID: ch.ID(),
			// Milliseconds, as the store keeps the time: a poller may
			// pass a change's time back as since.
			Time:       ch.Time.UTC().Format(time.RFC3339Nano),
			CustomerID: ch.CustomerID, TenantID: ch.TenantID, UserID: ch.UserID,
			DisplayName: ch.DisplayName, UserPrincipalName: ch.UserPrincipalName,
			Status: int(ch.Status), Name: ch.Status.String(), Change: ch.Change(),
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The body is JSON, never HTML; the links stay readable with their "&".
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("encode changes: %w", err)
	}
	return buf.Bytes(), nil
}
