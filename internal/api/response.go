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
	"github.com/secusers/secusers/internal/userjson"
)

const contentTypeJSON = "application/json; charset=utf-8"

// pageTail is the 200 body (spec §2) after its data: metadata and nextLink,
// in the reference's order. nextLink is left out when empty.
type pageTail struct {
	Metadata metadataJSON `json:"metadata"`
	NextLink string       `json:"nextLink,omitempty"`
}

type metadataJSON struct {
	PageIndex  int   `json:"pageIndex"`
	PageSize   int   `json:"pageSize"`
	TotalCount int64 `json:"totalCount"`
}

// EncodePage writes the 200 body of page exactly as the handler sends it
// (spec §2): each user from the JSON its store keeps (package userjson),
// with age counted at now; metadata echoes q's pageIndex and pageSize;
// nextLink is left out when empty. It is exported so that the load harness
// measures the encoding the handler does, not a copy of it. Nothing is
// written when encoding fails.
func EncodePage(w io.Writer, page secusers.UserPage, q Query, nextLink string, now time.Time) error {
	buf := getBuffer()
	body, err := appendPage(*buf, page, q, nextLink, now)
	defer putBuffer(buf, body)
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// appendPage appends the 200 body of page to dst: `{"data":[`, the users,
// then the tail as encoding/json writes it, opening brace dropped.
func appendPage(dst []byte, page secusers.UserPage, q Query, nextLink string, now time.Time) ([]byte, error) {
	dst = append(dst, `{"data":[`...)
	for i, u := range page.Users {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = userjson.AppendBatch(dst, u, now); err != nil {
			return dst, fmt.Errorf("encode page: %w", err)
		}
	}
	dst = append(dst, "],"...)
	// HTML escaping is off: the body is JSON, never HTML, and nextLink
	// stays readable with its "&". The encoder ends with a newline, as the
	// body always has.
	tail := bytes.NewBuffer(dst)
	enc := json.NewEncoder(tail)
	enc.SetEscapeHTML(false)
	start := tail.Len()
	if err := enc.Encode(pageTail{
		Metadata: metadataJSON{PageIndex: q.PageIndex, PageSize: q.PageSize, TotalCount: page.Total},
		NextLink: nextLink,
	}); err != nil {
		return dst, fmt.Errorf("encode page: %w", err)
	}
	out := tail.Bytes()
	// Drop the tail's opening brace: the body's own opened the object.
	return append(out[:start], out[start+1:]...), nil
}

// writePage writes the 200 response of one page.
func (h *Handler) writePage(w http.ResponseWriter, c *call, page secusers.UserPage) error {
	buf := getBuffer()
	body, err := appendPage(*buf, page, c.query, h.nextLink(c, page), h.now())
	defer putBuffer(buf, body)
	if err != nil {
		return err
	}
	send(w, http.StatusOK, body)
	return nil
}

// bufPool keeps encoding buffers between requests: a page of 1000 users is
// several hundred kilobytes, which would otherwise be grown afresh each time.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer keeps a rare huge page (long fields everywhere) from
// pinning its buffer in the pool for good.
const maxPooledBuffer = 4 << 20

// getBuffer returns an empty buffer to append a body to.
func getBuffer() *[]byte {
	buf := bufPool.Get().(*[]byte)
	*buf = (*buf)[:0]
	return buf
}

// putBuffer returns buf to the pool holding used, what was appended to it,
// which may have grown into a larger array.
func putBuffer(buf *[]byte, used []byte) {
	if cap(used) <= maxPooledBuffer {
		*buf = used[:0]
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
