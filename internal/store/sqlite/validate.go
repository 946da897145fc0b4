package sqlite

import "github.com/secusers/secusers/internal/secusers"

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
