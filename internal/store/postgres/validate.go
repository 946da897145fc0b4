package postgres

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

// emptyAsNil and nilAsEmpty keep one spelling of "no ids" in each place: nil
// in Go values (so a stored app compares equal to the one created), an empty
// array in the column (pgx would send a nil slice as NULL).
func emptyAsNil(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

func nilAsEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
