package zimage

import (
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/dockerfile/runtimes"
	"github.com/zlayer/zlayer/plan"
)

// templatePlan converts the runtime template a runtime value names. It
// returns nil for unknown names and for the Windows and WebAssembly names,
// which have no template.
func templatePlan(runtime string) *plan.Plan {
	t, ok := runtimes.Lookup(runtime)
	if !ok || !t.Buildable() {
		return nil
	}
	p, _ := dockerfile.Parse(t.Name+".Dockerfile", t.Dockerfile).Plan()
	return p
}

// templateStageNames lists the stage names of a runtime template in order
// ("" for the unnamed final stage), or nil when there is no template.
func templateStageNames(runtime string) []string {
	p := templatePlan(runtime)
	if p == nil {
		return nil
	}
	names := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		names[i] = s.Name
	}
	return names
}
