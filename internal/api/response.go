package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/secusers/secusers/internal/secusers"
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

// EncodePage writes the 200 body of page exactly as the handler sends it
// (spec §2): metadata echoes q's pageIndex and pageSize, nextLink is left out
// when empty, and each user's age is counted at now. It is exported so that
// the load harness measures the encoding the handler does, not a copy of it.
// Nothing is written when encoding fails.
func EncodePage(w io.Writer, page secusers.UserPage, q Query, nextLink string, now time.Time) error {
	body := pageJSON{
		Data: make([]userJSON, len(page.Users)),
		Metadata: metadataJSON{
			PageIndex:  q.PageIndex,
			PageSize:   q.PageSize,
			TotalCount: page.Total,
		},
		NextLink: nextLink,
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
	// HTML escaping is off: the body is JSON, never HTML, and nextLink
	// stays readable with its "&". The encoder writes to w only once the
	// whole value is encoded.
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return fmt.Errorf("encode page: %w", err)
	}
	return nil
}

// writePage writes the 200 response of one page.
func (h *Handler) writePage(w http.ResponseWriter, c *call, page secusers.UserPage) error {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := EncodePage(buf, page, c.query, h.nextLink(c, page), h.now()); err != nil {
		return err
	}
	send(w, http.StatusOK, buf.Bytes())
	return nil
}

// bufPool keeps encoding buffers between requests: a page of 1000 users is
// several hundred kilobytes, which would otherwise be grown afresh each time.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps a rare huge page (long fields everywhere) from
// pinning its buffer in the pool for good.
const maxPooledBuffer = 4 << 20

func getBuffer() *bytes.Buffer {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		bufPool.Put(buf)
	}
}

// send writes a JSON body that was encoded completely before anything is
// sent, so that an encoding failure is still a clean 500 and the response
// has a Content-Length.
func send(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client is gone; nothing to tell it
}
