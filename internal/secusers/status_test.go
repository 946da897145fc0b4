package secusers

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Status
		ok   bool
	}{
		{"0", MFADisabled, true},
		{"8", TestUser, true},
		{"9", 0, false},
		{"-1", 0, false},
		{"HighRisk", HighRisk, true},
		{"highrisk", HighRisk, true},
		{"MFADISABLED", MFADisabled, true},
		{"PendingDeletion", PendingDeletion, true},
		{"High Risk", 0, false},
		{"", 0, false},
		{"3.0", 0, false},
	} {
		got, ok := ParseStatus(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseStatus(%q): got %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestReferenceSample checks the spec's reading of the reference's sample
// status 13 as a bit set.
func TestReferenceSample(t *testing.T) {
	t.Parallel()
	s := StatusSet(13)
	if diff := cmp.Diff([]Status{MFADisabled, PasswordExpired, HighRisk}, s.Statuses()); diff != "" {
		t.Errorf("13 (-want +got):\n%s", diff)
	}
	if got, want := s.String(), "MFADisabled|PasswordExpired|HighRisk"; got != want {
		t.Errorf("String: got %q, want %q", got, want)
	}
	if got := StatusSetOf(MFADisabled, PasswordExpired, HighRisk); got != 13 {
		t.Errorf("StatusSetOf: got %d, want 13", got)
	}
}

func TestStatusSet(t *testing.T) {
	t.Parallel()
	var s StatusSet
	if s.String() != "None" || s.Len() != 0 || !s.Valid() {
		t.Errorf("empty set: %q len %d valid %v", s, s.Len(), s.Valid())
	}
	s = s.With(TestUser).With(Inactive).With(Status(12))
	if got, want := s, StatusSet(1<<8|1<<6); got != want {
		t.Errorf("With: got %d, want %d (undefined statuses are ignored)", got, want)
	}
	if !s.Has(TestUser) || s.Has(HighRisk) || s.Has(Status(40)) {
		t.Errorf("Has is wrong for %v", s)
	}
	if s.Without(TestUser) != 1<<6 {
		t.Errorf("Without: got %d", s.Without(TestUser))
	}
	if !s.Intersects(StatusSetOf(Inactive, HighRisk)) || s.Intersects(StatusSetOf(HighRisk)) {
		t.Errorf("Intersects is wrong for %v", s)
	}
	if StatusSet(1<<9).Valid() || AllStatusBits != 511 {
		t.Errorf("bit 9 must be invalid and AllStatusBits 511, got %d", AllStatusBits)
	}
	if got := Status(42).String(); got != "42" {
		t.Errorf("undefined status String: got %q", got)
	}
	if len(AllStatuses()) != NumStatuses {
		t.Errorf("AllStatuses: got %d", len(AllStatuses()))
	}
}

func TestUnavailableJSON(t *testing.T) {
	t.Parallel()
	for _, in := range [][]UnavailableStatus{nil, {{Status: MFADisabled, Reason: "no Entra ID P1"}, {Status: Compliance, Reason: "no Intune"}}} {
		data, err := EncodeUnavailable(in)
		if err != nil {
			t.Fatal(err)
		}
		if in == nil && string(data) != "[]" {
			t.Errorf("none encodes as %s, want []", data)
		}
		out, err := DecodeUnavailable(data)
		if err != nil || !slices.Equal(out, in) {
			t.Errorf("round trip of %v: got %v, %v", in, out, err)
		}
	}
	if string(mustEncode(t, []UnavailableStatus{{Status: HighRisk, Reason: "r"}})) != `[{"status":3,"reason":"r"}]` {
		t.Error("the stored form changed")
	}
	if _, err := DecodeUnavailable([]byte("{")); err == nil {
		t.Error("broken JSON decoded")
	}
}

func mustEncode(t *testing.T, u []UnavailableStatus) []byte {
	t.Helper()
	data, err := EncodeUnavailable(u)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
