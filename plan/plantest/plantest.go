// Package plantest helps the front ends' tests exercise the stage plans
// they produce the way a build would.
package plantest

import "github.com/zlayer/zlayer/plan"

// Exercise resolves p for its default target, for stage index 0, for an
// unknown target and for every named stage, with declared, undeclared and
// self-referring build arguments, and expands every instruction of every
// stage in order as the runner does. Fuzz tests call it to show that no
// plan makes resolution or expansion panic.
func Exercise(p *plan.Plan) {
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
}
