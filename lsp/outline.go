package lsp

import (
	"slices"
	"strconv"
	"strings"

	"github.com/zlayer/zlayer/source"
)

// outline is the language-neutral view of a parsed build file that
// symbols, navigation, hover, folding and lenses work on. The front-end
// adapters (outline_dockerfile.go, outline_zimage.go) fill it from the
// shared parsers' results.
type outline struct {
	stages []*stageSym
	// steps are the top-level steps of a single-stage or runtime-mode
	// ZImagefile.
	steps []stepSym
	// refs lists every definition and use of a stage name or variable,
	// in source order.
	refs []*ref
	// folds are extra foldable ranges (multi-line values, comment blocks).
	folds []source.Range
}

// stageSym is one stage.
type stageSym struct {
	index     int
	name      string // "" for an unnamed Dockerfile stage
	nameRange source.Range
	rng       source.Range
	base      string
	baseRange source.Range
	steps     []stepSym
}

// displayName is the name build output uses for the stage.
func (st *stageSym) displayName() string {
	if st.name != "" {
		return st.name
	}
	return "stage-" + itoa(st.index)
}

// target is how zlayer.buildStage names the stage: its name, or its index
// when it has none.
func (st *stageSym) target() string {
	if st.name != "" {
		return st.name
	}
	return itoa(st.index)
}

// stepSym is one step or instruction of a stage.
type stepSym struct {
	label string // e.g. "RUN make" or "run: make"
	rng   source.Range
	sel   source.Range // the keyword or action key
}

type refKind int

const (
	refStage refKind = iota + 1
	refVar
)

// ref is one occurrence of a stage name or a variable.
type ref struct {
	kind refKind
	name string
	rng  source.Range // the name itself
	def  bool         // a definition (stage name, ARG, ENV, args/env key)
	// stage is the index of the stage the occurrence is in; -1 for the
	// global scope (ARG before the first FROM, top-level args).
	stage int
	// value is a definition's value as written (hasValue: one was given).
	value    string
	hasValue bool
	// what names the definition for hover: "ARG", "ENV", "args", "env".
	what string
}

// refAt returns the reference whose range contains p, preferring the
// innermost (shortest) one.
func (o *outline) refAt(p source.Pos) *ref {
	var best *ref
	for _, r := range o.refs {
		if !r.rng.Contains(p) {
			continue
		}
		if best == nil || rangeLen(r.rng) < rangeLen(best.rng) {
			best = r
		}
	}
	return best
}

func rangeLen(r source.Range) int {
	return (r.End.Line-r.Start.Line)*1_000_000 + r.End.Col - r.Start.Col
}

// stageNamed returns the stage a reference names: the stage with that
// name, or for a number the stage with that index.
func (o *outline) stageNamed(name string, fold bool) *stageSym {
	for _, st := range o.stages {
		if st.name == name || fold && st.name != "" && equalFold(st.name, name) {
			return st
		}
	}
	if n, ok := atoi(name); ok && n >= 0 && n < len(o.stages) {
		return o.stages[n]
	}
	return nil
}

// stageAt returns the stage whose range contains p.
func (o *outline) stageAt(p source.Pos) *stageSym {
	for _, st := range o.stages {
		if st.rng.Contains(p) {
			return st
		}
	}
	return nil
}

// related returns every occurrence of what r refers to: all occurrences of
// a stage name, or of a variable in the scope of r's definition.
func (o *outline) related(r *ref) []*ref {
	if r.kind == refStage {
		target := o.stageNamed(r.name, true)
		var out []*ref
		for _, x := range o.refs {
			if x.kind == refStage && o.stageNamed(x.name, true) == target && target != nil {
				out = append(out, x)
			}
		}
		return out
	}
	def := o.definitionOf(r)
	var out []*ref
	for _, x := range o.refs {
		if x.kind == refVar && x.name == r.name && o.definitionOf(x) == def {
			out = append(out, x)
		}
	}
	return out
}

// definitionOf finds the definition a reference resolves to: a stage's
// name, or the nearest earlier definition of a variable in the same stage,
// falling back to the global one. A definition resolves to itself.
func (o *outline) definitionOf(r *ref) *ref {
	if r.def {
		return r
	}
	if r.kind == refStage {
		st := o.stageNamed(r.name, true)
		if st == nil {
			return nil
		}
		for _, x := range o.refs {
			if x.kind == refStage && x.def && x.stage == st.index {
				return x
			}
		}
		return nil
	}
	var local, global *ref
	for _, x := range o.refs {
		if x.kind != refVar || !x.def || x.name != r.name || !x.rng.Start.Before(r.rng.Start) {
			continue
		}
		switch x.stage {
		case r.stage:
			local = x
		case -1:
			global = x
		}
	}
	if local != nil {
		return local
	}
	return global
}

func itoa(n int) string { return strconv.Itoa(n) }

// atoi parses a stage index: ASCII digits only.
func atoi(s string) (int, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

func slicesSortFunc[T any](s []T, cmp func(a, b T) int) { slices.SortStableFunc(s, cmp) }
