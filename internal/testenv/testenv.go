// Package testenv helps tests find the real parts they run against (server
// binaries, the browser, the OpenAPI corpus) and decide what to do when one is
// missing: skip with a clear message on a developer machine, fail in CI.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run in CI (env CI=true), where a missing
// part is a failure, not a reason to skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with msg, or fails it in CI.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (CI=true: missing parts fail the run)", msg)
	}
	t.Skip(msg)
}

// SpecsDir returns the directory of the real-world OpenAPI corpus
// (../shared/specs): env PORTICO_SPECS_DIR, else the first shared/specs found
// walking up from the working directory. It calls Missing when not found.
func SpecsDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("PORTICO_SPECS_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "SOURCES.md")); err == nil {
			return d
		}
		Missing(t, "PORTICO_SPECS_DIR="+d+" does not hold the OpenAPI corpus (no SOURCES.md)")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared", "specs")
		if _, err := os.Stat(filepath.Join(cand, "SOURCES.md")); err == nil {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	Missing(t, "the real-world OpenAPI corpus (shared/specs) was not found; set PORTICO_SPECS_DIR")
	return ""
}

// ArtifactsDir returns a directory for files a human may want to look at
// after a run (screenshots): env PORTICO_ARTIFACTS_DIR, else test-artifacts/
// at the repository root (git-ignored), else a temporary directory.
func ArtifactsDir(t testing.TB, sub string) string {
	t.Helper()
	base := os.Getenv("PORTICO_ARTIFACTS_DIR")
	if base == "" {
		if root := repoRoot(); root != "" {
			base = filepath.Join(root, "test-artifacts")
		} else {
			base = t.TempDir()
		}
	}
	dir := filepath.Join(base, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
