package plan

import (
	"github.com/zlayer/zlayer/diag"
)

// Options are the inputs of a build that decide what a plan means.
type Options struct {
	// BuildArgs are the --build-arg values.
	BuildArgs map[string]string
	// Target names the stage to build; "" builds the last stage.
	Target string
	// Platform is the --platform value ("" means the host platform).
	Platform string
}

// Resolved is a plan bound to build options: bases are expanded, stage
// references are resolved, and only the stages the target needs are kept.
type Resolved struct {
	Plan *Plan
	// Stages are the stages to build, in plan order; the last is the target.
	Stages []*ResolvedStage
	// Global is the global scope: automatic platform args and global ARGs.
	Global map[string]string
	// Diagnostics holds warnings such as undeclared build args (ZI306) and
	// errors such as an unknown --target.
	Diagnostics []diag.Diagnostic
}

// ResolvedStage is a stage with its base and dependencies worked out.
type ResolvedStage struct {
	*Stage
	// Base is the expanded base image reference; "" when the base is a
	// stage or scratch.
	Base string
	// BaseStage is the index of the stage this one is based on, or -1.
	BaseStage int
	// Scratch reports an empty base.
	Scratch bool
	// Platform is the expanded effective platform ("" for the host).
	Platform string
	// Deps are the indices of the stages this stage needs (its base,
	// COPY/ADD --from and RUN --mount from=), sorted, without duplicates.
	Deps []int
}
