package dockerfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zlayer/zlayer/plan/plantest"
)

// FuzzPlan checks that no Dockerfile makes the conversion to a stage plan,
// its resolution or the expansion of its instructions panic, and that
// every instruction of the plan has a range inside the file. Seeds are the
// plan fixtures plus testdata/fuzz/FuzzPlan.
func FuzzPlan(f *testing.F) {
	paths, _ := filepath.Glob("testdata/plans/*.Dockerfile")
	for _, p := range paths {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := Parse("Dockerfile", src)
		p, _ := file.Plan()
		for _, st := range p.Stages {
			for _, in := range st.Instructions {
				if err := inside(file.Source, in.Source()); err != nil {
					t.Fatalf("%s range %v: %v", in.Keyword(), in.Source(), err)
				}
			}
		}
		plantest.Exercise(p)
	})
}
