package secusers

import "testing"

// TestKindString checks every kind's name, the new ones included: a kind
// added without its name would log as "unknown".
func TestKindString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind Kind
		want string
	}{
		{Internal, "internal"},
		{Invalid, "invalid"},
		{Unauthenticated, "unauthenticated"},
		{Forbidden, "forbidden"},
		{NotFound, "not found"},
		{Conflict, "conflict"},
		{Unavailable, "unavailable"},
		{RateLimited, "rate limited"},
		{RateLimited + 1, "unknown"},
		{-1, "unknown"},
	} {
		if got := tc.kind.String(); got != tc.want {
			t.Errorf("Kind(%d).String(): got %q, want %q", int(tc.kind), got, tc.want)
		}
	}
}
