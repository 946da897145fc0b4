package cli

import (
	"io"
	"os"
	"strings"
	"unicode"

	"golang.org/x/term"
)

// printable makes text safe to show on a terminal. It is the CLI's one
// rule for text it did not write itself and prints for people: error lines
// (which may quote a remote server, a sync's Graph error or a file), table
// cells (names, certificate subjects, audit details) and the users
// listings of directory data that whoever may edit a user's profile wrote.
//
// It replaces every character of the categories that can drive or deceive
// a terminal, and passes every other: control characters (Cc: escape
// sequences, which can clear the screen, write links or set the title; tabs
// and carriage returns, which break a table's columns) and the line and
// paragraph separators (Zl, Zp) become spaces; format characters (Cf: bidi
// overrides and isolates, zero-width characters, tags) become U+FFFD, so
// that the reader sees that something was there where it could otherwise
// reorder or hide what they read. Invalid UTF-8 becomes U+FFFD as well.
// Of the three rules the CLI had, this one is the strictest: it covers the
// set of the error lines' rule (whose '?' it replaces with the users
// listings' and the SDK's marks), and more than the certificate subjects'
// (Cc and Cf only, kept by internal/identity when it stores a subject).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			return ' '
		case unicode.Is(unicode.Cf, r):
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// isTerminal reports whether w is a terminal: progress bars and text logs
// are for people, and escape sequences would only litter a pipe or a log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
