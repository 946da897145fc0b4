package cli

// The commands parse the ids their flags name, so that a mistyped GUID is
// refused in the flag's words before the database is opened. Whether an id
// names a record, and whose it is, the store checks inside the
// transaction that writes, and its error says which id it did not find.

import (
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// parseID returns the canonical (lower-case) form of a GUID given in flag.
func parseID(flag, value string) (string, error) {
	id, ok := secusers.ParseGUID(strings.TrimSpace(value))
	if !ok {
		return "", secusers.Errorf(secusers.Invalid, "--%s must be a GUID (8-4-4-4-12 hexadecimal digits), got %q", flag, value)
	}
	return id, nil
}

// parseIDs parses a comma list of GUIDs given in flag, dropping repeats.
func parseIDs(flag string, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, secusers.Errorf(secusers.Invalid, "--%s needs at least one id", flag)
	}
	ids := make([]string, 0, len(values))
	for _, v := range values {
		id, err := parseID(flag, v)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// newOrGivenID returns the canonical form of a --id value, or a fresh GUID
// when the flag was not given.
func newOrGivenID(value string) (string, error) {
	if value == "" {
		return uuid.NewString(), nil
	}
	return parseID("id", value)
}
