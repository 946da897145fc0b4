package api

import (
	"net/http"
	"strconv"

	"github.com/secusers/secusers/internal/secusers"
)

// nextLink returns the absolute URL of the next page with the same filter,
// or "" on the last page. It is the request's own path, with or without
// "/partner" as the client called it, so following it stays on the same
// route; unknown parameters are not carried over.
//
// It ends with a skipToken, the position of the page's last user, so that
// the next page is a keyset read rather than an offset skip that grows
// with the depth. pageIndex stays in the link: the token only makes the
// page faster to find, and a client that drops it, or a server that cannot
// use it, still serves the same page.
func (h *Handler) nextLink(c *call, page secusers.UserPage) string {
	q := c.query
	if int64(q.PageIndex)*int64(q.PageSize) >= page.Total || q.PageIndex >= maxPageIndex {
		return ""
	}
	b := make([]byte, 0, 256)
	b = append(b, h.base(c.r)...)
	b = append(b, c.r.URL.EscapedPath()...)
	b = append(b, "?pageIndex="...)
	b = strconv.AppendInt(b, int64(q.PageIndex)+1, 10)
	b = append(b, "&pageSize="...)
	b = strconv.AppendInt(b, int64(q.PageSize), 10)
	if q.Statuses != 0 {
		b = append(b, "&status="...)
		for i, st := range q.Statuses.Statuses() {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(st), 10)
		}
	}
	if token, ok := nextToken(c.tenantID, q, page); ok {
		b = append(b, "&skipToken="...)
		b = append(b, token...) // base64url: nothing to escape
	}
	return string(b)
}

// nextToken returns the skipToken of the page after page, if it has one.
func nextToken(tenantID string, q Query, page secusers.UserPage) (string, bool) {
	if len(page.Users) == 0 {
		return "", false
	}
	next := q
	next.PageIndex++
	next.Cursor = nil
	return encodeCursor(Cursor{
		After:   page.Users[len(page.Users)-1].Key,
		Version: page.Version,
		Check:   cursorCheck(tenantID, next),
	})
}

// base is the configured base URL or, when none was configured, the one
// the request was sent to, so that nextLink is absolute either way.
func (h *Handler) base(r *http.Request) string {
	if h.baseURL != "" {
		return h.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
