package dockerfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zlayer/zlayer/plan"
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
		targets := []string{"", "0", "nosuchstage"}
		for _, st := range p.Stages {
			targets = append(targets, st.Name)
		}
		args := map[string]string{"UNDECLARED": "x", "HTTP_PROXY": "http://proxy"}
		for _, a := range p.Args {
			args[a.Name] = "$" + a.Name + "${x:-y}"
		}
		for _, target := range targets {
			r := plan.Resolve(p, plan.Options{Target: target, BuildArgs: args, Platform: "linux/arm64/v8"})
			_ = r.Err()
			for _, rs := range r.All {
				sc := r.NewScope(rs, []string{"PATH=/bin", "HOME"})
				for _, in := range rs.Instructions {
					x, _ := sc.Expand(in)
					sc.Apply(x)
				}
				_, _ = sc.BuildArgs(), sc.Env()
			}
		}
	})
}
