package zimage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zlayer/zlayer/plan"
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
		expandPlan(p)
	})
}

// expandPlan resolves p for its default target and for every named stage,
// with a declared and an undeclared build argument, and expands every
// instruction of every stage in order, as the runner does.
func expandPlan(p *plan.Plan) {
	targets := []string{""}
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
}
