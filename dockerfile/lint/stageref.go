package lint

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// zlayerRules are this toolkit's own checks, for mistakes neither BuildKit
// nor hadolint reports.
func zlayerRules() []Rule {
	return []Rule{
		{Code: "StageReferencedLater", Severity: diag.Warning, check: checkLaterStageRefs,
			URL: "https://docs.docker.com/build/building/multi-stage/#use-a-previous-stage-as-a-new-stage"},
	}
}

// checkLaterStageRefs reports a FROM base or a RUN --mount from= that
// names a stage defined later (or the stage itself): BuildKit looks only
// at earlier stages, so the name is pulled as an image, which is rarely
// what was meant and is how a cycle between stages shows up.
func checkLaterStageRefs(c *checker) {
	for _, st := range c.f.Stages {
		if st.From != nil && st.Base != "" {
			c.laterStage("FROM "+st.Base, st.Base, st.BaseRange, st.Index, st.Index+1)
		}
		for in := range parsed(st) {
			run, ok := in.Command.(*instructions.RunCommand)
			if !ok {
				continue
			}
			for _, m := range instructions.GetMounts(run) {
				if m.From != "" {
					c.laterStage("RUN --mount from="+m.From, m.From, mountRange(in, m.From), st.Index, st.Index)
				}
			}
		}
	}
}

// laterStage reports ref, used in stage index, when it is no earlier
// stage but names a stage from index from on. FROM checks from the next
// stage: "FROM node AS node" is the image node, a common spelling.
func (c *checker) laterStage(what, ref string, rng source.Range, index, from int) {
	if strings.Contains(ref, "$") || stageByRef(c.f, ref, index) != nil {
		return
	}
	for _, st := range c.f.Stages[min(from, len(c.f.Stages)):] {
		if st.Name == "" || !strings.EqualFold(st.Name, ref) {
			continue
		}
		where := fmt.Sprintf("stage '%s', which is defined later (line %d)", st.Name, st.NameRange.Start.Line)
		if st.Index == index {
			where = fmt.Sprintf("its own stage '%s'", st.Name)
		}
		c.report(rng, fmt.Sprintf("%s names %s; only earlier stages can be used, so this uses an image called '%s'", what, where, ref))
		return
	}
}

// mountRange covers the --mount flag of a RUN that reads from ref.
func mountRange(in *dockerfile.Instruction, ref string) source.Range {
	for _, fl := range in.Flags {
		if fl.Name == "mount" && strings.Contains(fl.Value, "from="+ref) {
			return fl.Range
		}
	}
	return in.KeywordRange
}
