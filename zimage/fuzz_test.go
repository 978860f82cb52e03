package zimage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zlayer/zlayer/source"
)

// FuzzParse checks that no input makes the front end panic and that every
// diagnostic range lies inside the file. Seeds are the rule and plan
// fixtures plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/rules/*.zimagefile", "testdata/plans/*.zimagefile"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := Parse("ZImagefile", src)
		for _, d := range file.Diagnostics {
			checkRange(t, file.Source, d.Range, d.Code+" "+d.Message)
			for _, r := range d.Related {
				checkRange(t, file.Source, r.Range, d.Code+" related")
			}
		}
		for line := 1; line <= file.Source.LineCount(); line++ {
			file.PointerAt(source.Pos{Line: line, Col: len(file.Source.LineText(line)) / 2})
		}
		if p, err := file.Plan(); err == nil {
			_, _ = Format(p)
		}
	})
}

func checkRange(t *testing.T, sf *source.File, r source.Range, what string) {
	t.Helper()
	inside := func(p source.Pos) bool {
		return p.Line >= 1 && p.Line <= sf.LineCount() && p.Col >= 0 && p.Col <= len(sf.LineText(p.Line))+1
	}
	if !inside(r.Start) || !inside(r.End) || r.End.Before(r.Start) {
		t.Errorf("%s: range %v lies outside the file (%d lines)", what, r, sf.LineCount())
	}
}
