package secusers

import "testing"

func TestCheckSchema(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		have, known int64
		ready       bool
	}{
		{5, 5, true},
		{6, 5, true}, // a newer release migrated further: a rolling upgrade
		{4, 5, false},
		{0, 5, false}, // no schema at all
	} {
		err := CheckSchema(tc.have, tc.known)
		switch {
		case tc.ready && err != nil:
			t.Errorf("CheckSchema(%d, %d): got %v, want nil", tc.have, tc.known, err)
		case !tc.ready && (!IsKind(err, Unavailable) || MessageOf(err) == ""):
			t.Errorf("CheckSchema(%d, %d): got %v, want Unavailable with a message", tc.have, tc.known, err)
		}
	}
}

func TestReplacementDetail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    Replacement
		want string
	}{
		{Replacement{Before: 1180, After: 1200}, "1180 → 1200 users"},
		{Replacement{Before: 0, After: 3}, "0 → 3 users"},
		{Replacement{Before: 12, After: 0}, "12 → 0 users"},
	} {
		if got := tc.r.Detail(); got != tc.want {
			t.Errorf("%+v.Detail(): got %q, want %q", tc.r, got, tc.want)
		}
	}
}
