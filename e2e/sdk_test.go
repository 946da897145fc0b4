package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the module's root, the parent of this package's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestModuleIsInstallable checks what `go get` and `go install …@latest`
// need of go.mod: the module path is a fetchable one, and there is no
// replace directive, which go install refuses in a module it fetches.
func TestModuleIsInstallable(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^module github\.com/secusers/secusers$`).Match(mod) {
		t.Errorf("go.mod does not declare module github.com/secusers/secusers:\n%s", mod)
	}
	if regexp.MustCompile(`(?m)^\s*replace\b`).Match(mod) {
		t.Errorf("go.mod has a replace directive, which go install refuses:\n%s", mod)
	}
}

// sdkDependencies are the modules outside the standard library that the
// SDK may pull into a partner's build: the SDK itself, OAuth2, and two
// small, dependency-free modules.
var sdkDependencies = []string{
	"github.com/secusers/secusers/client",
	"golang.org/x/oauth2",
	"golang.org/x/sync",
	"github.com/google/uuid",
}

// TestSDKImportsAreLight lists every package a partner compiles with the
// SDK and fails on any beyond the standard library and sdkDependencies:
// in particular nothing of the server (internal/…), whose dependencies
// (drivers, River, Prometheus) a partner must not have to build.
func TestSDKImportsAreLight(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "github.com/secusers/secusers/client")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if !slices.ContainsFunc(sdkDependencies, func(allowed string) bool {
			return pkg == allowed || strings.HasPrefix(pkg, allowed+"/")
		}) {
			t.Errorf("the SDK pulls in %s", pkg)
		}
	}
}

// TestREADMEProgramBuilds builds the complete program of README's SDK
// section as a partner would, in a module of its own that requires this
// one, so that the README's example cannot drift from the SDK. The module
// cache already holds every dependency (the repository was built), so
// the build needs no network.
func TestREADMEProgramBuilds(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var programs []string
	for _, m := range regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		if strings.HasPrefix(m[1], "package main\n") {
			programs = append(programs, m[1])
		}
	}
	if len(programs) != 1 {
		t.Fatalf("README has %d complete Go programs, want 1", len(programs))
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	goMod := "module example.com/partner\n\ngo 1.26\n\n" +
		"require github.com/secusers/secusers v0.0.0\n\n" +
		"replace github.com/secusers/secusers => " + root + "\n"
	for name, body := range map[string]string{"main.go": programs[0], "go.mod": goMod, "go.sum": string(sum)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-mod=mod", "-o", filepath.Join(dir, "partner"), ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building README's program: %v\n%s", err, out)
	}
}
