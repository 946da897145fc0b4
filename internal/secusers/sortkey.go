package secusers

import (
	"strings"
	"unicode"
)

// SortKey returns the key the API orders users by: displayName under Unicode
// simple case folding. Keys compare by bytes, and ties break by user ID.
// Stores keep the key in a column computed here, in Go, so that SQLite and
// PostgreSQL order identically whatever their collations.
func SortKey(displayName string) string {
	return strings.Map(simpleFold, displayName)
}

// simpleFold maps r to its simple case folding (CaseFolding.txt statuses C
// and S). For almost every rune that is unicode.ToLower(unicode.ToUpper(r));
// the exceptions are the runes whose folding is not their lower case.
func simpleFold(r rune) rune {
	switch {
	case r < 0x80:
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	case r == 0x130 || r == 0x131: // İ and ı have only full (F) or Turkic (T) foldings: they stay.
		return r
	case 0x13A0 <= r && r <= 0x13F5, 0xAB70 <= r && r <= 0xABBF, 0x13F8 <= r && r <= 0x13FD:
		// Cherokee folds to its upper case, the older of its two cases.
		return unicode.ToUpper(r)
	}
	return unicode.ToLower(unicode.ToUpper(r))
}
