package sqlite

import (
	"crypto/sha256"
	"strings"
	"unicode/utf8"

	"secusers/internal/secusers"
)

// noDuplicates refuses a list that names the same id twice: a group member
// or a scope entry listed twice is a mistake in the caller's input, not
// something to store.
func noDuplicates(what string, ids []string) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return secusers.Errorf(secusers.Invalid, "%s %s is listed twice", what, id)
		}
		seen[id] = true
	}
	return nil
}

// validateSecret checks a client secret before it is stored. The domain has
// no Validate method for it yet; when it gains one, this goes.
func validateSecret(c secusers.ClientSecret) error {
	switch {
	case !isText(c.ID):
		return secusers.Errorf(secusers.Invalid, "a client secret needs an id")
	case !isText(c.ClientID):
		return secusers.Errorf(secusers.Invalid, "a client secret needs a client id")
	case len(c.Hash) != sha256.Size:
		return secusers.Errorf(secusers.Invalid, "a client secret's hash must be %d bytes (SHA-256)", sha256.Size)
	case !utf8.ValidString(c.Hint) || len(c.Hint) > secusers.MaxFieldLength:
		return secusers.Errorf(secusers.Invalid, "a client secret's hint must be valid UTF-8 of at most %d bytes", secusers.MaxFieldLength)
	case c.ExpiresAt.IsZero():
		return secusers.Errorf(secusers.Invalid, "a client secret needs an expiry")
	}
	return nil
}

// validateSigningKey checks a candidate signing key. The domain has no
// Validate method for it yet; when it gains one, this goes.
func validateSigningKey(k secusers.SigningKey) error {
	switch {
	case !isText(k.ID):
		return secusers.Errorf(secusers.Invalid, "a signing key needs an id")
	case !isText(k.Algorithm):
		return secusers.Errorf(secusers.Invalid, "a signing key needs an algorithm")
	case len(k.PrivateKey) == 0:
		return secusers.Errorf(secusers.Invalid, "a signing key needs a private key")
	case !k.RetiredAt.IsZero():
		return secusers.Errorf(secusers.Invalid, "a new signing key cannot be retired already")
	}
	return nil
}

// isText reports whether s is a non-blank identifier the store can keep.
func isText(s string) bool {
	return strings.TrimSpace(s) != "" && utf8.ValidString(s) && !strings.ContainsRune(s, 0) &&
		len(s) <= secusers.MaxFieldLength
}
