package zimage

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
)

// corpusDir is the ZLayer part of the shared corpus, which lies beside the
// repository (../shared from its root).
const corpusDir = "../../shared/corpus/zlayer"

// corpusFiles lists the ZImagefiles of the shared ZLayer corpus.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus missing: %v", err)
		}
		t.Skipf("corpus missing: %v", err)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && IsZImagefileName(d.Name()) {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	return files
}

// TestCorpusParses checks that every ZImagefile written by ZLayer parses
// with no error diagnostic.
func TestCorpusParses(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := strings.TrimPrefix(path, corpusDir+"/")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := Parse(name, src)
			for _, d := range f.Diagnostics {
				if d.Severity == diag.Error {
					t.Errorf("%s:%d: %s [%s]", name, d.Range.Start.Line, d.Message, d.Code)
				} else {
					t.Logf("%s:%d: %s: %s [%s]", name, d.Range.Start.Line, d.Severity, d.Message, d.Code)
				}
			}
			if f.Mode == ModeUnknown {
				t.Errorf("mode not recognised")
			}
		})
	}
}

// TestCorpusPlans checks that every corpus file that is not wasm and not
// Windows converts to a stage plan whose instructions all have ranges.
func TestCorpusPlans(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := strings.TrimPrefix(path, corpusDir+"/")
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := Parse(name, src)
		if f.Mode == ModeWasm || f.OS != nil && f.OS.Text == "windows" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			p, err := f.Plan()
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Stages) == 0 {
				t.Fatal("plan has no stages")
			}
			for _, st := range p.Stages {
				for _, in := range st.Instructions {
					if in.Source().IsZero() {
						t.Errorf("stage %s: %s has no source range", st.DisplayName(), in.Keyword())
					}
				}
			}
		})
	}
}
