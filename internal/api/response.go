package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"secusers/internal/secusers"
)

const contentTypeJSON = "application/json; charset=utf-8"

// pageJSON is the 200 body (spec §2). Field order and names are the
// reference's sample; Data is never nil, so it is [] rather than null.
type pageJSON struct {
	Data     []userJSON   `json:"data"`
	Metadata metadataJSON `json:"metadata"`
	NextLink string       `json:"nextLink,omitempty"`
}

type metadataJSON struct {
	PageIndex  int   `json:"pageIndex"`
	PageSize   int   `json:"pageSize"`
	TotalCount int64 `json:"totalCount"`
}

// userJSON is one user on the wire. Every string is a Go string, so it can
// be "" but never null or absent, as the spec requires.
type userJSON struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	DisplayName       string `json:"displayName"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	EmployeeID        string `json:"employeeId"`
	Location          string `json:"location"`
	Department        string `json:"department"`
	Mobile            string `json:"mobile"`
	JobTitle          string `json:"jobTitle"`
	Status            uint16 `json:"status"`
	IsTestUser        bool   `json:"isTestUser"`
	Age               int64  `json:"age"`
	StartDate         int64  `json:"startDate"`
	EndDate           int64  `json:"endDate"`
	OfficePhone       string `json:"officePhone"`
	Company           string `json:"company"`
	CountryRegion     string `json:"countryRegion"`
}

// writePage writes the 200 response of one page.
func (h *Handler) writePage(w http.ResponseWriter, c *call, page secusers.UserPage) error {
	now := h.now()
	body := pageJSON{
		Data: make([]userJSON, len(page.Users)),
		Metadata: metadataJSON{
			PageIndex:  c.query.PageIndex,
			PageSize:   c.query.PageSize,
			TotalCount: page.Total,
		},
		NextLink: h.nextLink(c, page.Total),
	}
	for i, u := range page.Users {
		body.Data[i] = userJSON{
			ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail,
			DisplayName: u.DisplayName, FirstName: u.FirstName, LastName: u.LastName,
			EmployeeID: u.EmployeeID, Location: u.Location, Department: u.Department,
			Mobile: u.Mobile, JobTitle: u.JobTitle,
			Status: uint16(u.Status), IsTestUser: u.IsTestUser, Age: u.PasswordAgeDays(now),
			StartDate: u.StartDate, EndDate: u.EndDate,
			OfficePhone: u.OfficePhone, Company: u.Company, CountryRegion: u.CountryRegion,
		}
	}
	return writeJSON(w, http.StatusOK, body)
}

// bufPool keeps encoding buffers between requests: a page of 1000 users is
// several hundred kilobytes, which would otherwise be grown afresh each time.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps a rare huge page (long fields everywhere) from
// pinning its buffer in the pool for good.
const maxPooledBuffer = 4 << 20

// writeJSON encodes v completely before sending anything, so that an
// encoding failure is still a clean 500 and the response has a
// Content-Length. HTML escaping is off: the body is JSON, never HTML, and
// nextLink stays readable with its "&".
func writeJSON(w http.ResponseWriter, status int, v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client is gone; nothing to tell it
	return nil
}

// nextLink returns the absolute URL of the next page with the same filter,
// or "" on the last page. It is the request's own path, with or without
// "/partner" as the client called it, so following it stays on the same
// route; unknown parameters are not carried over.
func (h *Handler) nextLink(c *call, total int64) string {
	q := c.query
	if int64(q.PageIndex)*int64(q.PageSize) >= total || q.PageIndex >= maxPageIndex {
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
	return string(b)
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
