package cli

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is what `secusers version` prints: where the binary came from,
// as the Go toolchain stamped it into the binary (runtime/debug).
type version struct {
	// Version is the main module's version: a release tag for a binary
	// built by `go install github.com/secusers/secusers/cmd/secusers@vX`, "(devel)" for one
	// built from a checkout.
	Version string `json:"version"`
	// Commit is the VCS revision of the checkout, with "-dirty" when the
	// checkout had changes; "" when the build recorded none.
	Commit string `json:"commit"`
	// BuildTime is the revision's commit time (vcs.time, RFC 3339), which
	// Go records rather than the moment of the build, so that builds are
	// reproducible; "" when unknown.
	BuildTime string `json:"buildTime"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"goVersion"`
}

// buildVersion reads a version from the build information, as
// debug.ReadBuildInfo returns it.
func buildVersion(info *debug.BuildInfo, ok bool) version {
	if !ok || info == nil {
		return version{}
	}
	v := version{Version: info.Main.Version, GoVersion: info.GoVersion}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.BuildTime = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && v.Commit != "" {
		v.Commit += "-dirty"
	}
	return v
}

// String is the one line of `secusers version` and `secusers --version`,
// e.g. "secusers (devel), commit 1d19815…-dirty, built 2026-01-02T03:04:05Z,
// go1.26.8"; the parts the build did not record are left out.
func (v version) String() string {
	parts := []string{"secusers " + or(v.Version, "(unknown version)")}
	if v.Commit != "" {
		parts = append(parts, "commit "+v.Commit)
	}
	if v.BuildTime != "" {
		parts = append(parts, "built "+v.BuildTime)
	}
	if v.GoVersion != "" {
		parts = append(parts, v.GoVersion)
	}
	return strings.Join(parts, ", ")
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (e *env) versionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the version, commit and build time of this binary",
		Long: `Show the version of this binary (a release tag, or "(devel)" for a build from a
checkout), the commit it was built from (with "-dirty" when the checkout had
changes), the commit's time and the Go toolchain. With -o json, one object:
{"version":"…","commit":"…","buildTime":"…","goVersion":"…"}, with "" for what
the build did not record. 'secusers --version' prints the same line.`,
		Example: `  secusers version
  secusers version -o json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return e.printVersion() },
	}
	e.addOutputFlag(cmd)
	return cmd
}

// printVersion prints what the toolchain stamped into this binary.
func (e *env) printVersion() error {
	v := buildVersion(e.buildInfo())
	return e.print(v, func(w io.Writer) { fmt.Fprintln(w, v) })
}
