package secusers

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestSortKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Bob Mark", "bob mark"},
		{"ÉMILE", "émile"},
		{"Straße", "straße"}, // simple folding keeps ß (full folding would give "ss")
		{"ẞ", "ß"},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ"},
		{"ς", "σ"}, // final sigma folds to sigma
		{"ſ", "s"},
		{"K", "k"}, // Kelvin sign
		{"İstanbul", "İstanbul"},
		{"ıi", "ıi"}, // Turkic-only foldings are not applied
		{"Ꭰ", "Ꭰ"},   // Cherokee folds to its upper case
		{"ꭰ", "Ꭰ"},
		{"ǅ", "ǆ"},
		{"", ""},
	} {
		if got := SortKey(tc.in); got != tc.want {
			t.Errorf("SortKey(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSortKeyIsAFolding checks two properties over every rune: the key of
// a key is itself (folding is idempotent), and runes that Unicode says are
// case variants of each other (one SimpleFold orbit) share one key, except
// the Turkic dotted and dotless i, which simple folding keeps apart.
func TestSortKeyIsAFolding(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		k := simpleFold(r)
		if simpleFold(k) != k {
			t.Errorf("U+%04X: folding is not idempotent: %U then %U", r, k, simpleFold(k))
		}
		if r == 0x130 || r == 0x131 {
			continue
		}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			if o != 0x130 && o != 0x131 && simpleFold(o) != k {
				t.Errorf("U+%04X and U+%04X are case variants with different keys %U and %U", r, o, k, simpleFold(o))
			}
		}
	}
}

// TestSortKeyOrder shows the order the API promises on names that byte
// order and naive lower-casing get wrong.
func TestSortKeyOrder(t *testing.T) {
	t.Parallel()
	names := []string{"zoe", "Zoë", "anna", "ANNA", "Émile", "emile", "Bob"}
	slices.SortStableFunc(names, func(a, b string) int { return strings.Compare(SortKey(a), SortKey(b)) })
	want := []string{"anna", "ANNA", "Bob", "emile", "zoe", "Zoë", "Émile"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
