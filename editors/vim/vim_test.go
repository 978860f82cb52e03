// Package vim_test checks the Vim set-up (editors/vim/zlayer-ale.vim plus
// the detection and syntax files of editors/nvim) in batch Vim with ALE
// against the real zlayer-lsp: detection, and a diagnostic at the right
// place.
package vim_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/editors/internal/edtest"
)

func TestALE(t *testing.T) {
	vim := edtest.Tool(t, "vim", "apt-get install vim vim-ale")
	edtest.RequireFile(t, "/usr/share/vim-ale/plugin/ale.vim", "apt-get install vim-ale")
	bins := edtest.Build(t)
	plugin, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	file := edtest.Fixture(t, "ZImagefile")
	out := edtest.Run(t, time.Minute, filepath.Dir(file),
		[]string{"SERVER=" + bins.LSP, "PLUGIN=" + plugin, "NVIM_PLUGIN=" + filepath.Join(plugin, "..", "nvim"), "FILE=" + file},
		vim, "-N", "-u", "NONE", "-i", "NONE", "-n", "-es", "-S", filepath.Join(plugin, "testdata", "ale_e2e.vim"))
	for _, want := range []string{"e2e: filetype zimagefile", "e2e: diagnostic: unknown field `baes`", "e2e: stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in the output:\n%s", want, out)
		}
	}
}
