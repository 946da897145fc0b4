package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/secusers/secusers/internal/secusers"
)

// CleanText makes a Graph string storable (secusers.User.Validate): null
// becomes "", each run of invalid UTF-8 bytes becomes one U+FFFD, NUL bytes
// are removed, and the result is cut to secusers.MaxFieldLength bytes at a
// character boundary.
//
// Invalid bytes are replaced rather than dropped so that a reader sees
// something was there; NUL is stripped because it carries nothing in a
// name or phone number, and a visible mark in its place would only add
// noise. Cutting instead of refusing keeps one odd attribute from failing a
// whole tenant's run; Graph's own limits (e.g. 256 characters for
// displayName) keep real values well below the bound.
func CleanText(s *string) string {
	if s == nil {
		return ""
	}
	t := strings.ToValidUTF8(*s, "\uFFFD")
	if strings.IndexByte(t, 0) >= 0 {
		t = strings.ReplaceAll(t, "\x00", "")
	}
	if len(t) <= secusers.MaxFieldLength {
		return t
	}
	cut := secusers.MaxFieldLength
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut]
}
