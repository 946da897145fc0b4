package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDemoAsANewUser runs `secusers serve --demo` as the README's first
// command and pastes the commands it prints into bash, as a newcomer would:
// each must return a page of users.
func TestDemoAsANewUser(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	s := e.serve("--demo")
	var tokenLine string
	var curls, commands []string
	var exportLine string
	for _, line := range strings.Split(s.out.String(), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "TOKEN="):
			tokenLine = line
		case strings.HasPrefix(line, "curl "):
			curls = append(curls, line)
		case strings.HasPrefix(line, "secusers users "):
			commands = append(commands, line)
		case strings.HasPrefix(line, "export SECUSERS_"):
			exportLine = line
		}
	}
	if tokenLine == "" || len(curls) < 2 {
		t.Fatalf("the demo printed no token command or fewer than two curl commands:\n%s", s.out.String())
	}
	for _, curl := range curls {
		cmd := exec.Command("bash", "-c", "set -eo pipefail\n"+tokenLine+"\n"+curl)
		cmd.Env = os.Environ()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pasting %q: %v\n%s", curl, err, out)
		}
		var p page
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatalf("pasting %q: the output is not a page: %v\n%s", curl, err, out)
		}
		if len(p.Data) == 0 || p.Metadata.TotalCount == 0 {
			t.Errorf("pasting %q: an empty page (totalCount %d)", curl, p.Metadata.TotalCount)
		}
	}

	// The SDK commands, pasted with this build as secusers.
	if len(commands) < 2 || exportLine == "" {
		t.Fatalf("the demo printed no export line or fewer than two secusers users commands:\n%s", s.out.String())
	}
	for _, line := range commands {
		cmd := exec.Command("bash", "-c", "set -eo pipefail\nsecusers() { \"$SECUSERS_BINARY\" \"$@\"; }\n"+exportLine+"\n"+line)
		cmd.Env = append(os.Environ(), "SECUSERS_BINARY="+binary)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pasting %q: %v\n%s", line, err, out)
		}
		if !strings.Contains(string(out), "HighRisk") {
			t.Errorf("pasting %q: no HighRisk in the output:\n%s", line, out)
		}
	}

	// A second start on the same database reuses the demo data.
	s.stop(t)
	s2 := e.serve("--demo")
	if !strings.Contains(s2.out.String(), "TOKEN=") {
		t.Errorf("the second demo start printed no commands:\n%s", s2.out.String())
	}
}
