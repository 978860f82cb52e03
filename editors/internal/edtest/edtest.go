// Package edtest helps the editor end-to-end tests (Neovim, Emacs eglot,
// Vim with ALE) run a real editor against the real zlayer-lsp: it builds the
// binaries, finds the editor, runs it under a timeout
// and skips a test whose tool is missing, except under CI=true where a
// missing tool fails it.
package edtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Binaries are the zlayer binaries a test drives.
type Binaries struct {
	// LSP is zlayer-lsp.
	LSP string
	// CLI is the zlayer command line, "" when ZLAYER_LSP names a
	// zlayer-lsp with no zlayer next to it.
	CLI string
}

// Build returns ZLAYER_LSP (and a zlayer next to it) when that is set,
// otherwise zlayer-lsp and zlayer built from this checkout into the test's
// temporary directory (the Go build cache keeps that quick).
func Build(t testing.TB) Binaries {
	t.Helper()
	if lsp := os.Getenv("ZLAYER_LSP"); lsp != "" {
		lsp, err := filepath.Abs(lsp)
		if err != nil {
			t.Fatal(err)
		}
		cli := filepath.Join(filepath.Dir(lsp), "zlayer")
		if _, err := os.Stat(cli); err != nil {
			cli = ""
		}
		return Binaries{LSP: lsp, CLI: cli}
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir, "./cmd/zlayer-lsp", "./cmd/zlayer")
	cmd.Dir = repoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the zlayer binaries (go build in %s): %v\n%s", cmd.Dir, err, out)
	}
	return Binaries{LSP: filepath.Join(dir, "zlayer-lsp"), CLI: filepath.Join(dir, "zlayer")}
}

// repoRoot is the module root: two levels above this package's directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Unavailable skips t because a tool is missing, or fails it under CI=true.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: missing tools are failures)", why)
	}
	t.Skip(why)
}

// Tool returns the path of an executable, or skips t (fails it under
// CI=true) with the install hint when it is missing.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, fmt.Sprintf("%s is not installed (%s)", name, install))
	}
	return p
}

// RequireFile skips t (fails it under CI=true) when path does not exist.
func RequireFile(t testing.TB, path, install string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Unavailable(t, fmt.Sprintf("%s is missing (%s)", path, install))
	}
}

// Fixture copies testdata/name into a new temporary directory and returns
// the copy's path.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(dst, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Run runs an editor in dir with env added to the environment and a fresh
// XDG home, and returns its combined output. An editor that does not exit
// within timeout (usually a script error that left it waiting) or exits
// non-zero fails t.
func Run(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(nil)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(),
		"XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s (an uncaught script error?)\n%s", filepath.Base(name), timeout, out)
	}
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", filepath.Base(name), err, out)
	}
	return string(out)
}
