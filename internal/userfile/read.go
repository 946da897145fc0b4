package userfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"unicode/utf8"

	"github.com/secusers/secusers/internal/secusers"
)

// MaxLineBytes bounds one line of a user file. A real record is well under
// 20 KiB (its 13 text fields are capped at secusers.MaxFieldLength bytes
// each, and JSON escaping can at most sextuple them); the bound keeps a file
// without newlines from being read into memory whole.
const MaxLineBytes = 1 << 20

// utf8BOM is skipped at the start of a file: Windows tools write it, and it
// is not part of the first record.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ReadUsers returns the users of a user file, in file order. Blank lines are
// skipped. A bad line ends the sequence with an error of kind
// secusers.Invalid whose message starts with "line N: "; so does an id that
// repeats an earlier line's, since an import must name the offending line
// rather than leave the store to refuse the batch. An error reading r is
// returned wrapped, with the line number, but unclassified.
//
// Ids are accepted in any letter case and yielded in canonical lower case.
// Every user yielded passes secusers.User.Validate. The sequence reads r as
// it goes, so it can be ranged over once.
func ReadUsers(r io.Reader) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
		seen := make(map[string]int) // id → the line that first had it
		n := 0
		for sc.Scan() {
			n++
			line := sc.Bytes()
			if n == 1 {
				line = bytes.TrimPrefix(line, utf8BOM)
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			u, err := parseLine(line)
			if err == nil {
				err = checkRepeat(seen, u.ID, n)
			}
			if err != nil {
				yield(secusers.User{}, lineError(n, err))
				return
			}
			if !yield(u, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			n++ // the line that could not be read
			if errors.Is(err, bufio.ErrTooLong) {
				err = secusers.Errorf(secusers.Invalid, "longer than %d bytes", MaxLineBytes)
			}
			yield(secusers.User{}, lineError(n, err))
		}
	}
}

func checkRepeat(seen map[string]int, id string, n int) error {
	if first, ok := seen[id]; ok {
		return secusers.Errorf(secusers.Invalid, "id %s repeats the user of line %d", id, first)
	}
	seen[id] = n
	return nil
}

// lineError prefixes err's message with the line number, keeping its kind
// and cause.
func lineError(n int, err error) error {
	var e *secusers.Error
	if errors.As(err, &e) && e.Kind == secusers.Invalid {
		return &secusers.Error{Kind: secusers.Invalid, Message: fmt.Sprintf("line %d: %s", n, e.Message), Err: e.Err}
	}
	return fmt.Errorf("line %d: %w", n, err)
}

// parseLine reads one record and checks it.
func parseLine(line []byte) (secusers.User, error) {
	if !utf8.Valid(line) {
		return secusers.User{}, secusers.Errorf(secusers.Invalid, "not valid UTF-8")
	}
	rec, lastChange, err := decodeRecord(line)
	if err != nil {
		return secusers.User{}, err
	}
	id, ok := secusers.ParseGUID(rec.ID)
	if !ok {
		return secusers.User{}, secusers.Errorf(secusers.Invalid, "id must be a GUID (8-4-4-4-12 hexadecimal digits), got %q", shorten(rec.ID))
	}
	rec.ID = id
	u := rec.toUser(lastChange)
	if err := u.Validate(); err != nil {
		return secusers.User{}, err
	}
	return u, nil
}

// shorten keeps error messages one readable line whatever the input holds.
func shorten(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
