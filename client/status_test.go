package client_test

import (
	"slices"
	"testing"

	"github.com/secusers/secusers/client"
)

func TestStatusSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		want client.StatusSet
		str  string
	}{
		{"", 0, ""},
		{"HighRisk", 8, "HighRisk"},
		{"mfadisabled|2,highRISK", 13, "MFADisabled|PasswordExpired|HighRisk"},
		{"0;8", 257, "MFADisabled|TestUser"},
		{"12", 1 << 12, "12"},
	} {
		got, err := client.ParseStatusSet(tc.text)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseStatusSet(%q): got %d (%q), %v, want %d (%q)", tc.text, got, got, err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"Risky", "16", "-1", "0,,x"} {
		if _, err := client.ParseStatusSet(bad); err == nil {
			t.Errorf("ParseStatusSet(%q): got no error", bad)
		}
	}
	if got := slices.Collect(slices.Values(client.StatusSet(13).Statuses())); !slices.Equal(got, []client.Status{0, 2, 3}) {
		t.Errorf("Statuses: got %v", got)
	}
}
