package userfile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/secusers/secusers/internal/secusers"
)

// Writer writes user records, one a line. Call Flush when done.
type Writer struct {
	buf *bufio.Writer
	enc *json.Encoder
}

// NewWriter returns a Writer that writes to w through a buffer.
func NewWriter(w io.Writer) *Writer {
	buf := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(buf)
	// Names such as "Smith & Wesson" stay readable; the file is not HTML.
	enc.SetEscapeHTML(false)
	return &Writer{buf: buf, enc: enc}
}

// Write writes u as one line.
func (w *Writer) Write(u secusers.User) error {
	return w.enc.Encode(fromUser(u))
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.buf.Flush() }

// WriteUsers writes every user of the sequence to w and flushes, returning
// how many it wrote. It stops at the sequence's first error.
func WriteUsers(w io.Writer, users iter.Seq2[secusers.User, error]) (int, error) {
	out := NewWriter(w)
	n := 0
	for u, err := range users {
		if err != nil {
			return n, err
		}
		if err := out.Write(u); err != nil {
			return n, fmt.Errorf("writing user %d: %w", n+1, err)
		}
		n++
	}
	if err := out.Flush(); err != nil {
		return n, fmt.Errorf("writing users: %w", err)
	}
	return n, nil
}
