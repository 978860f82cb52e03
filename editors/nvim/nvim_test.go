// Package nvim_test drives the Neovim plugin in editors/nvim from headless
// Neovim (0.7 and later) against the real zlayer-lsp: filetype detection,
// attach, a diagnostic, stage completion and :ZlayerBuild reaching the
// server, with a real build on a private buildah store when buildah is
// installed.
package nvim_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/editors/internal/edtest"
	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestMain(m *testing.M) { buildahtest.Main(m) }

// runE2E runs testdata/e2e.lua in headless Neovim on a copy of
// testdata/ZImagefile, with env added, and returns its output and the
// binaries it drove.
func runE2E(t *testing.T, timeout time.Duration, env ...string) (string, edtest.Binaries) {
	t.Helper()
	nvim := edtest.Tool(t, "nvim", "apt-get install neovim")
	bins := edtest.Build(t)
	plugin, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	file := edtest.Fixture(t, "ZImagefile")
	env = append(env, "SERVER="+bins.LSP, "FILE="+file)
	if bins.CLI != "" {
		env = append(env, "CLI="+bins.CLI)
	}
	out := edtest.Run(t, timeout, filepath.Dir(file), env, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
		"--cmd", "set rtp^="+plugin, "-c", "filetype on", "-c", "luafile "+filepath.Join(plugin, "testdata", "e2e.lua"))
	return out, bins
}

// TestPluginUnits runs testdata/unit.lua: the plugin's own logic (ids,
// project root, output lines, matching end messages to builds, status line)
// without a server.
func TestPluginUnits(t *testing.T) {
	nvim := edtest.Tool(t, "nvim", "apt-get install neovim")
	plugin, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	out := edtest.Run(t, time.Minute, t.TempDir(), nil, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
		"--cmd", "set rtp^="+plugin, "-c", "luafile "+filepath.Join(plugin, "testdata", "unit.lua"))
	if !strings.Contains(out, "unit: ok") {
		t.Errorf("unit.lua did not finish:\n%s", out)
	}
}

// TestBuildWithoutBuildah checks detection, attach, the diagnostic, stage
// completion and a :ZlayerBuild that reaches the server and fails cleanly
// because buildah.path names no program, and :ZlayerWatch opening a
// terminal with the build options.
func TestBuildWithoutBuildah(t *testing.T) {
	// The storage options keep :ZlayerWatch's zlayer off the system store.
	store := t.TempDir()
	out, bins := runE2E(t, 2*time.Minute, "BUILDAH_PATH="+filepath.Join(t.TempDir(), "no-buildah"), "EXPECT=failure",
		"ROOT="+filepath.Join(store, "root"), "RUNROOT="+filepath.Join(store, "run"), "DRIVER=vfs")
	want := []string{
		"e2e: filetype zimagefile", "e2e: attached", "e2e: diagnostic: unknown field `baes`",
		"e2e: diagnostics cleared", "e2e: stage completion: builder app", "e2e: build started",
		"e2e: build ended", "e2e: stopped",
	}
	if bins.CLI != "" {
		want = append(want, "e2e: watch terminal")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in the output:\n%s", w, out)
		}
	}
}

// TestRealBuild runs :ZlayerBuild app on a private buildah store with a
// local busybox base; the build must succeed and its RUN output must reach
// the output buffer.
func TestRealBuild(t *testing.T) {
	edtest.Tool(t, "nvim", "apt-get install neovim")
	store := buildahtest.Shared(t)
	out, _ := runE2E(t, 5*time.Minute,
		"ROOT="+store.CLI.Root, "RUNROOT="+store.CLI.RunRoot, "DRIVER="+store.CLI.StorageDriver,
		"TMPDIR="+store.CLI.TmpDir, "BUILDAH_ISOLATION=chroot", "EXPECT=success")
	if !strings.Contains(out, "[app] hello-from-nvim") {
		t.Errorf("the build output lacks the RUN output:\n%s", out)
	}
}
