package fakegraph

import (
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// enc appends JSON to a buffer and hands it to w every flushAt bytes, so a
// page of 999 users streams in small writes from one pooled buffer instead
// of being built, reflected over and copied by encoding/json.
type enc struct {
	buf []byte
	w   io.Writer
	err error
}

const flushAt = 32 << 10

var encPool = sync.Pool{New: func() any { return &enc{buf: make([]byte, 0, 2*flushAt)} }}

func newEnc(w io.Writer) *enc {
	e := encPool.Get().(*enc)
	e.w, e.err = w, nil
	return e
}

// close flushes what is left and returns the encoder to the pool.
func (e *enc) close() error {
	e.flush()
	err := e.err
	e.w, e.buf = nil, e.buf[:0]
	encPool.Put(e)
	return err
}

func (e *enc) flush() {
	if e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

// item ends a value of the array: the moment to flush.
func (e *enc) item() {
	if len(e.buf) >= flushAt {
		e.flush()
	}
}

func (e *enc) raw(s string) { e.buf = append(e.buf, s...) }

// key writes ,"name": (the comma unless first).
func (e *enc) key(name string, first bool) {
	if !first {
		e.buf = append(e.buf, ',')
	}
	e.str(name)
	e.buf = append(e.buf, ':')
}

func (e *enc) null() { e.raw("null") }

// plain marks the bytes a JSON string holds as they are: printable ASCII
// but the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (e *enc) str(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plain[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			e.buf = append(e.buf, s[start:i]...)
			switch c {
			case '"', '\\':
				e.buf = append(e.buf, '\\', c)
			case '\n':
				e.buf = append(e.buf, '\\', 'n')
			case '\r':
				e.buf = append(e.buf, '\\', 'r')
			case '\t':
				e.buf = append(e.buf, '\\', 't')
			default:
				e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigit(c>>4), hexDigit(c&0xf))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 { // as encoding/json does
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, `\ufffd`...)
			start = i + 1
		}
		i += size
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

func hexDigit(b byte) byte { return "0123456789abcdef"[b] }

func (e *enc) strp(p *string) {
	if p == nil {
		e.null()
		return
	}
	e.str(*p)
}

// json writes v as encoding/json does: for the nested objects of the
// rarely read resources (a policy's conditions), whose speed does not
// matter. A value that cannot be encoded is written as null.
func (e *enc) json(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.null()
		return
	}
	e.buf = append(e.buf, b...)
}

func (e *enc) strs(list []string) {
	e.buf = append(e.buf, '[')
	for i, s := range list {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(s)
	}
	e.buf = append(e.buf, ']')
}

func (e *enc) boolean(b bool) { e.buf = strconv.AppendBool(e.buf, b) }

func (e *enc) boolp(p *bool) {
	if p == nil {
		e.null()
		return
	}
	e.boolean(*p)
}

func (e *enc) int64p(p *int64) {
	if p == nil {
		e.null()
		return
	}
	e.buf = strconv.AppendInt(e.buf, *p, 10)
}

// time writes Graph's form: UTC, fractional seconds only when present
// ("2021-06-17T16:41:33Z", "2023-03-13T19:15:41.6195833Z"); the zero time
// is "0001-01-01T00:00:00Z" as Graph sends for a sign-in that never was.
func (e *enc) time(t time.Time) {
	e.buf = append(e.buf, '"')
	e.buf = t.UTC().AppendFormat(e.buf, time.RFC3339Nano)
	e.buf = append(e.buf, '"')
}

func (e *enc) timep(p *time.Time) {
	if p == nil {
		e.null()
		return
	}
	e.time(*p)
}

// timeOrNull writes null for the zero time: for the properties of a
// hand-built tenant left unset.
func (e *enc) timeOrNull(t time.Time) {
	if t.IsZero() {
		e.null()
		return
	}
	e.time(t)
}
