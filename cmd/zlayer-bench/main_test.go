package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireTool skips t when a tool is missing, or fails it under CI=true,
// where every tool must be present.
func requireTool(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: missing tools are failures)", why)
	}
	t.Skip(why)
}

func TestUsage(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-help"}, 0, "usage: zlayer-bench"},
		{"unknown flag", []string{"-fast"}, 2, "flag provided but not defined"},
		{"stray argument", []string{"-zlayer", self, "now"}, 2, `unexpected argument "now"`},
		{"bad part", []string{"-only", "disk"}, 2, `-only "disk": want parse, lsp or build`},
		{"missing zlayer", []string{"-zlayer", "/nonexistent/zlayer", "-lsp", self}, 2, "-zlayer: /nonexistent/zlayer not found (build it with `make build`"},
		{"missing lsp", []string{"-zlayer", self, "-lsp", "/nonexistent/zlayer-lsp"}, 2, "-lsp: /nonexistent/zlayer-lsp not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			if code := run(tt.args, &out, &errOut); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), tt.want)
			}
		})
	}
}

// TestBuildOnlyNeedsNoLanguageServer checks that -only build does not ask
// for -lsp.
func TestBuildOnlyNeedsNoLanguageServer(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"-only", "build", "-zlayer", self, "-lsp", "/nonexistent"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.zlayer != self {
		t.Errorf("zlayer = %q, want %q", cfg.zlayer, self)
	}
}

// buildZlayer builds one of the module's commands into a temporary
// directory.
func buildZlayer(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, "github.com/zlayer/zlayer/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}
