package cli

import (
	"runtime/debug"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	t.Parallel()
	const rev = "fdcc79e0dd793cb0b877722156ed49b3563e7c5a"
	stamped := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "secusers", Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "-buildmode", Value: "exe"},
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: rev},
				{Key: "vcs.time", Value: "2026-12-03T12:43:48Z"},
				{Key: "vcs.modified", Value: modified},
			}}
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want version
		line string
	}{
		{"clean checkout", stamped("false"), true,
			version{"(devel)", rev, "2026-12-03T12:43:48Z", "go1.26.8"},
			"secusers (devel), commit " + rev + ", built 2026-12-03T12:43:48Z, go1.26.8"},
		{"modified checkout", stamped("true"), true,
			version{"(devel)", rev + "-dirty", "2026-12-03T12:43:48Z", "go1.26.8"},
			"secusers (devel), commit " + rev + "-dirty, built 2026-12-03T12:43:48Z, go1.26.8"},
		{"release without VCS", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "secusers", Version: "v1.2.3"}}, true,
			version{Version: "v1.2.3", GoVersion: "go1.26.8"},
			"secusers v1.2.3, go1.26.8"},
		{"modified without a revision", &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}}, true,
			version{}, "secusers (unknown version)"},
		{"no build information", nil, false, version{}, "secusers (unknown version)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := buildVersion(tc.info, tc.ok)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.String() != tc.line {
				t.Errorf("got line %q, want %q", got.String(), tc.line)
			}
		})
	}
}

func TestLogFlagValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format       string
		terminal     bool
		wantText, ok bool
	}{
		{"auto", true, true, true},
		{"auto", false, false, true},
		{"text", false, true, true},
		{"json", true, false, true},
		{"JSON", true, false, true},
		{"logfmt", false, false, false},
		{"", false, false, false},
	} {
		if text, ok := textLogs(tc.format, tc.terminal); text != tc.wantText || ok != tc.ok {
			t.Errorf("textLogs(%q, terminal %v): got %v, %v; want %v, %v", tc.format, tc.terminal, text, ok, tc.wantText, tc.ok)
		}
	}
}
