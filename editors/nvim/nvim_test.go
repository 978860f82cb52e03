// Package nvim_test drives the Neovim plugin in editors/nvim from headless
// Neovim (0.7 and later) against the real zlayer-lsp: filetype detection,
// attach, a diagnostic, stage completion and :ZlayerBuild reaching the
// server, with a real build on a private buildah store when buildah is
// installed.
package nvim_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestMain(m *testing.M) { buildahtest.Main(m) }

// binaries are zlayer-lsp and zlayer: ZLAYER_LSP (and a zlayer next to it)
// or both built once from this checkout.
type binaries struct {
	lsp, cli string
	err      error
}

var (
	buildOnce sync.Once
	built     binaries
)

func buildBinaries(t *testing.T) binaries {
	t.Helper()
	buildOnce.Do(func() {
		if lsp := os.Getenv("ZLAYER_LSP"); lsp != "" {
			cli := filepath.Join(filepath.Dir(lsp), "zlayer")
			if _, err := os.Stat(cli); err != nil {
				cli = ""
			}
			built = binaries{lsp: lsp, cli: cli}
			return
		}
		dir, err := os.MkdirTemp("", "zlayer-nvim-bin-")
		if err != nil {
			built.err = err
			return
		}
		root, _ := filepath.Abs(filepath.Join("..", ".."))
		cmd := exec.Command("go", "build", "-o", dir, "./cmd/zlayer-lsp", "./cmd/zlayer")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = &buildError{out: string(out), err: err}
			return
		}
		built = binaries{lsp: filepath.Join(dir, "zlayer-lsp"), cli: filepath.Join(dir, "zlayer")}
	})
	if built.err != nil {
		t.Fatalf("building the zlayer binaries: %v", built.err)
	}
	return built
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// requireNvim returns the nvim binary, skipping the test when it is missing
// (failing under CI=true).
func requireNvim(t *testing.T) string {
	t.Helper()
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		buildahtest.Unavailable(t, "nvim is not installed (apt-get install neovim)")
	}
	return nvim
}

// runE2E runs testdata/e2e.lua in headless Neovim with env added.
func runE2E(t *testing.T, timeout time.Duration, env ...string) string {
	t.Helper()
	nvim := requireNvim(t)
	bins := buildBinaries(t)
	plugin, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "ZImagefile")
	src, err := os.ReadFile(filepath.Join("testdata", "ZImagefile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
		"--cmd", "set rtp^="+plugin, "-c", "filetype on", "-c", "luafile "+filepath.Join(plugin, "testdata", "e2e.lua"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"SERVER="+bins.lsp, "FILE="+file,
		"XDG_STATE_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	if bins.cli != "" {
		cmd.Env = append(cmd.Env, "CLI="+bins.cli)
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("nvim timed out after %s (an uncaught Lua error?)\n%s", timeout, out)
	}
	if err != nil {
		t.Fatalf("headless nvim failed: %v\n%s", err, out)
	}
	return string(out)
}

// TestBuildWithoutBuildah checks detection, attach, the diagnostic, stage
// completion and a :ZlayerBuild that reaches the server and fails cleanly
// because buildah.path names no program.
func TestBuildWithoutBuildah(t *testing.T) {
	out := runE2E(t, 2*time.Minute, "BUILDAH_PATH="+filepath.Join(t.TempDir(), "no-buildah"), "EXPECT=failure")
	for _, want := range []string{
		"e2e: filetype zimagefile", "e2e: attached", "e2e: diagnostic: unknown field `baes`",
		"e2e: diagnostics cleared", "e2e: stage completion: builder app", "e2e: build started",
		"e2e: build ended", "e2e: stopped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in the output:\n%s", want, out)
		}
	}
	if built.cli != "" && !strings.Contains(out, "e2e: watch terminal") {
		t.Errorf(":ZlayerWatch was not checked:\n%s", out)
	}
}

// TestRealBuild runs :ZlayerBuild app on a private buildah store with a
// local busybox base; the build must succeed and its RUN output must reach
// the output buffer.
func TestRealBuild(t *testing.T) {
	requireNvim(t)
	store := buildahtest.Shared(t)
	out := runE2E(t, 5*time.Minute,
		"ROOT="+store.CLI.Root, "RUNROOT="+store.CLI.RunRoot, "DRIVER="+store.CLI.StorageDriver,
		"TMPDIR="+store.CLI.TmpDir, "BUILDAH_ISOLATION=chroot", "EXPECT=success")
	if !strings.Contains(out, "[app] hello-from-nvim") {
		t.Errorf("the build output lacks the RUN output:\n%s", out)
	}
}
