package cli

import (
	"strings"
	"testing"
	"unicode"
)

// hasUnprintable reports whether s holds a control, format or line
// separator character.
func hasUnprintable(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
	})
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Ann Lee", "Ann Lee"},
		{"new\nline\ttab\x1b[2J", "new line tab [2J"},
		{"user\u202Egnp.exe", "user\uFFFDgnp.exe"},
		{"\u2066a\u2069\u200Bb\u200Dc\uFEFF\u2028", "\uFFFDa\uFFFD\uFFFDb\uFFFDc\uFFFD "},
		{"next line\u0085, C1 \u009b31m", "next line , C1  31m"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"Zoë Çelik 山田", "Zoë Çelik 山田"},
	} {
		if got := printable(tc.in); got != tc.want || hasUnprintable(got) {
			t.Errorf("printable(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
