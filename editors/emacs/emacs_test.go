// Package emacs_test checks the Emacs set-up in editors/emacs/zlayer.el in
// batch Emacs with Eglot against the real zlayer-lsp: the mode is chosen by
// file name, Eglot connects through the registered server program, a
// diagnostic arrives through flymake and completion answers.
package emacs_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/editors/internal/edtest"
)

func TestEglot(t *testing.T) {
	emacs := edtest.Tool(t, "emacs", "apt-get install emacs-nox elpa-eglot")
	bins := edtest.Build(t)
	plugin, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	file := edtest.Fixture(t, "ZImagefile")
	out := edtest.Run(t, time.Minute, filepath.Dir(file),
		[]string{"SERVER=" + bins.LSP, "PLUGIN=" + plugin, "FILE=" + file},
		emacs, "--batch", "-Q", "-l", filepath.Join(plugin, "testdata", "eglot_e2e.el"))
	for _, want := range []string{"e2e: mode zimagefile-mode", "e2e: connected to zlayer-lsp",
		"unknown field `baes`", "e2e: completion:", "e2e: stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in the output:\n%s", want, out)
		}
	}
}
