package demo

import "strings"

// asciiFold maps the non-ASCII letters of the name lists to the letters an
// administrator would type for them in a user principal name, which Entra
// ID restricts to ASCII.
var asciiFold = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'å': "a", 'ą': "a", 'Å': "a", 'Ä': "a", 'æ': "ae",
	'ç': "c", 'č': "c", 'ć': "c", 'Č': "c",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ę': "e", 'É': "e",
	'ğ': "g", 'í': "i", 'ì': "i", 'ï': "i", 'ı': "i", 'İ': "i",
	'ł': "l", 'Ł': "l", 'ñ': "n", 'ń': "n", 'Ñ': "n", 'ň': "n",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'ø': "o", 'Ø': "o", 'Ö': "o",
	'ř': "r", 'š': "s", 'ś': "s", 'ß': "ss", 'Š': "s",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ý': "y",
	'ž': "z", 'ź': "z", 'ż': "z", 'Ž': "z",
}

// localPart returns the ASCII mailbox name of a name: lower case, folded,
// without spaces or apostrophes ("Zoë", "de Vries" → "zoe", "devries").
// Letters the table does not know are dropped rather than sent through.
func localPart(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		case asciiFold[r] != "":
			b.WriteString(asciiFold[r])
		}
	}
	return b.String()
}
