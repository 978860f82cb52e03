package zimage

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// formatDiags renders diagnostics as `zlayer check` prints them.
func formatDiags(f *File, ds []diag.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s [%s]\n", filepath.Base(d.File), d.Range.Start.Line, f.Source.RuneCol(d.Range.Start), d.Severity, d.Message, d.Code)
	}
	return b.String()
}

// golden compares got with the golden file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- got ---\n%s--- want ---\n%s", path, got, want)
	}
}

// TestRules runs every rule fixture and compares its diagnostics with the
// golden output.
func TestRules(t *testing.T) {
	files, err := filepath.Glob("testdata/rules/*.zimagefile")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := Parse(filepath.Base(path), src)
			golden(t, strings.TrimSuffix(path, ".zimagefile")+".golden", formatDiags(f, f.Diagnostics))
		})
	}
}
