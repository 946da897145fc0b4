package secusers

import (
	"strings"
	"time"
	"unicode/utf8"
)

// UserKey is a position in the API's order of a tenant's users.
type UserKey struct {
	SortKey string // SortKey(displayName)
	ID      string
}

// KeyOf returns the user's position in the API's order.
func KeyOf(u User) UserKey { return UserKey{SortKey: SortKey(u.DisplayName), ID: u.ID} }

// Less reports whether k comes before o in the API's order.
func (k UserKey) Less(o UserKey) bool {
	if k.SortKey != o.SortKey {
		return k.SortKey < o.SortKey
	}
	return k.ID < o.ID
}

// UserQuery selects a page of a tenant's security users.
type UserQuery struct {
	// Statuses, when not empty, selects the users that have any of them;
	// when empty, every user with at least one status.
	Statuses StatusSet
	// After, when set, starts the page after this position (a keyset
	// read, whose cost does not grow with the depth of the page); Offset
	// then counts from there.
	After *UserKey
	// Offset is how many matching users to skip; Limit how many to return.
	Offset int64
	Limit  int
	// Position, when set, is where the page starts among the matching
	// users, counting from 0, as the caller knows it from a pageIndex; it
	// must be where After and Offset lead. A store that keeps the filter's
	// users in blocks (Blocked) starts there directly; rows are read from
	// After and Offset.
	Position *int64
	// BlocksOnly asks for the page only if the store can read it from
	// blocks: when it cannot, the page has no users and FromBlocks is
	// false, and no rows were read (a caller with a cheaper way to find a
	// deep page by rows, such as anchors, then takes it).
	BlocksOnly bool
}

// UserPage is one page of security users, the count of all that match, and
// the tenant's users version the page was read at.
type UserPage struct {
	Users []PageUser
	Total int64
	// Version changes whenever the tenant's users are replaced, so that
	// positions remembered at one version are not used at another.
	Version int64
	// FromBlocks says the users were read from the filter's blocks.
	FromBlocks bool
}

// PageUser is one user of a page as the stores read it for the API: its
// position, the fields that the response computes (age, from the last
// password change) or that the endpoint's revisions write differently
// (status, the dates, the country's name), and every other field as the
// JSON it was encoded to once, when the user was written (package
// userjson). A page is then a narrow read and a concatenation, not 100
// rows of 19 columns encoded anew on every request.
type PageUser struct {
	Key                UserKey
	Status             StatusSet
	LastPasswordChange time.Time // zero when unknown
	StartDate, EndDate int64     // Unix milliseconds, 0 when not set
	// Fields is userjson.Encode's encoding of the user's text fields.
	Fields []byte
}

// Validate checks the query as every store requires it.
func (q UserQuery) Validate() error {
	switch {
	case q.Limit <= 0:
		return Errorf(Invalid, "the page size must be at least 1, got %d", q.Limit)
	case q.Offset < 0:
		return Errorf(Invalid, "the offset must not be negative, got %d", q.Offset)
	case q.Position != nil && *q.Position < 0:
		return Errorf(Invalid, "the position must not be negative, got %d", *q.Position)
	case !q.Statuses.Valid():
		return badFilter(q.Statuses)
	case q.After != nil && !(storable(q.After.SortKey) && storable(q.After.ID)):
		// SQLite would compare any bytes, but PostgreSQL's text refuses
		// these; refusing them for every store keeps the stores alike for
		// a position decoded from a client's cursor.
		return Errorf(Invalid, "the position to start after is not valid UTF-8 text")
	}
	return nil
}

// ValidateUserKeys checks the arguments of Store.SecurityUserKeys.
func ValidateUserKeys(statuses StatusSet, every int) error {
	switch {
	case every < 1:
		return Errorf(Invalid, "the distance between keys must be at least 1, got %d", every)
	case !statuses.Valid():
		return badFilter(statuses)
	}
	return nil
}

func badFilter(statuses StatusSet) error {
	return Errorf(Invalid, "the status filter %d has bits beyond the defined statuses", statuses)
}

// storable reports whether s is text that every store can keep and compare:
// valid UTF-8 without NUL.
func storable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// ScanUserKey reads a position from a row of the columns sort_key, id.
func ScanUserKey(row Row) (UserKey, error) {
	var k UserKey
	return k, row.Scan(&k.SortKey, &k.ID)
}
