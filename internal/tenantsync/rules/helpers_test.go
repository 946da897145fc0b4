package rules_test

import (
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// now is the sync's start in every test: a fixed instant, so that each
// boundary is exact.
var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

const (
	alice = "0f8fad5b-d9cb-469f-a165-70867728950e"
	bob   = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
)

func ptr[T any](v T) *T { return &v }

// days returns now moved by n whole days (negative: earlier).
func days(n int) time.Time { return now.AddDate(0, 0, n) }

// at returns a pointer to now moved by n days and d.
func at(n int, d time.Duration) *time.Time { return ptr(days(n).Add(d)) }

// user returns a minimal enabled cloud user of contoso.com.
func user(id string) graph.User {
	return graph.User{
		ID:                id,
		UserPrincipalName: ptr("someone@contoso.com"),
		AccountEnabled:    ptr(true),
		CreatedDateTime:   at(-10, 0),
	}
}
