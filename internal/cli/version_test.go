package cli_test

import (
	"strings"
	"testing"
)

// TestVersion runs `secusers version` in its two forms and --version: the
// test binary records no VCS information, so the parts are checked for
// shape; TestBuildVersion checks what is read from a stamped build, and the
// end-to-end test the real binary.
func TestVersion(t *testing.T) {
	t.Parallel()
	line := run(t, "", "version")
	if line.code != 0 || line.stderr != "" || !strings.HasPrefix(line.stdout, "secusers ") || strings.Count(line.stdout, "\n") != 1 {
		t.Fatalf("version: got exit %d, stdout %q, stderr %q; want one line \"secusers …\"", line.code, line.stdout, line.stderr)
	}
	if flag := run(t, "", "--version"); flag.code != 0 || flag.stdout != line.stdout {
		t.Errorf("--version: got exit %d, %q; want %q", flag.code, flag.stdout, line.stdout)
	}
	var v struct {
		Version   string `json:"version"`
		Commit    string `json:"commit"`
		BuildTime string `json:"buildTime"`
		GoVersion string `json:"goVersion"`
	}
	r := run(t, "", "version", "-o", "json")
	if r.code != 0 {
		t.Fatalf("version -o json: exit %d, stderr %q", r.code, r.stderr)
	}
	decodeOne(t, r.stdout, &v)
	if !strings.HasPrefix(v.GoVersion, "go") || !strings.Contains(line.stdout, v.GoVersion) {
		t.Errorf("got %+v, want the Go version, as in the line %q", v, line.stdout)
	}
	fails(t, "", `unknown command "extra"`, "version", "extra")
	fails(t, "", "-o must be table or json", "version", "-o", "yaml")
}
