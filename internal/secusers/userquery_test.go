package secusers

import (
	"testing"
)

func TestUserQueryValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		q    UserQuery
		want string // "" for valid
	}{
		{"valid", UserQuery{Limit: 1}, ""},
		{"keyset", UserQuery{Limit: 1, After: &UserKey{SortKey: "bob", ID: guid1}}, ""},
		{"no limit", UserQuery{}, "page size must be at least 1, got 0"},
		{"negative offset", UserQuery{Limit: 1, Offset: -1}, "offset must not be negative"},
		{"undefined status", UserQuery{Limit: 1, Statuses: 1 << NumStatuses}, "status filter 512 has bits beyond"},
		{"position with a NUL", UserQuery{Limit: 1, After: &UserKey{SortKey: "a\x00", ID: guid1}}, "not valid UTF-8 text"},
		{"position not UTF-8", UserQuery{Limit: 1, After: &UserKey{SortKey: "a", ID: "\xff"}}, "not valid UTF-8 text"},
	} {
		if tc.want == "" {
			wantMessage(t, tc.name, tc.q.Validate(), Internal, "")
		} else {
			wantMessage(t, tc.name, tc.q.Validate(), Invalid, tc.want)
		}
	}
	wantMessage(t, "keys every 0", ValidateUserKeys(0, 0), Invalid, "distance between keys must be at least 1")
	wantMessage(t, "keys of an undefined status", ValidateUserKeys(1<<NumStatuses, 1), Invalid, "has bits beyond")
	wantMessage(t, "keys", ValidateUserKeys(StatusSetOf(HighRisk), 100), Internal, "")
}

func TestFilterMask(t *testing.T) {
	t.Parallel()
	if got := StatusSet(0).FilterMask(); got != AllStatusBits {
		t.Errorf("no filter: got %v, want every status", got)
	}
	if got := StatusSetOf(HighRisk).FilterMask(); got != StatusSetOf(HighRisk) {
		t.Errorf("HighRisk: got %v, want HighRisk", got)
	}
	if TestUserBit != StatusSetOf(TestUser) || TestUserBit != 256 {
		t.Errorf("TestUserBit: got %d, want the TestUser bit, 256", TestUserBit)
	}
}
