package zimage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zlayer/zlayer/plan/plantest"
)

// FuzzPlan checks that no ZImagefile makes the conversion to a stage plan,
// its resolution or the expansion of its instructions panic, and that
// every instruction of a plan has a range inside the file. Seeds are the
// plan fixtures plus testdata/fuzz/FuzzPlan.
func FuzzPlan(f *testing.F) {
	paths, _ := filepath.Glob("testdata/plans/*.zimagefile")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := Parse("ZImagefile", src)
		p, err := file.Plan()
		if err != nil {
			return
		}
		for _, st := range p.Stages {
			for _, in := range st.Instructions {
				checkRange(t, file.Source, in.Source(), "plan "+in.Keyword())
			}
		}
		plantest.Exercise(p)
	})
}
