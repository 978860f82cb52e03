package zimage

import (
	"fmt"
	"slices"

	"github.com/zlayer/zlayer/plan"
)

// orderErrors reports the instructions of a stage whose meaning Format
// would change by moving them: a ZImagefile declares a stage's args before
// its steps and applies labels, volumes and the stop signal after them
// (spec §9.4). An ARG is refused when an instruction before it uses its
// name, or when its default uses a name an earlier instruction sets; a
// LABEL, VOLUME or STOPSIGNAL when a later ENV or ARG sets a name it uses.
// The stage's values must already be in ZImagefile syntax.
func orderErrors(file string, st *plan.Stage) []error {
	var errs []error
	ins := st.Instructions
	for i, in := range ins {
		switch in := in.(type) {
		case *plan.Arg:
			uses := namesIn(in.Default)
			for _, before := range ins[:i] {
				if _, ok := before.(*plan.Arg); ok {
					continue // stage args keep their order
				}
				if slices.Contains(namesUsed(before), in.Name) || setsAny(before, uses) {
					errs = append(errs, fmt.Errorf("%s:%d: ARG: a ZImagefile declares stage args before the steps, which would change what line %d does; move the ARG up",
						file, in.Source().Start.Line, before.Source().Start.Line))
					break
				}
			}
		case *plan.Label, *plan.Volume, *plan.StopSignal:
			uses := namesUsed(in)
			for _, after := range ins[i+1:] {
				if setsAny(after, uses) {
					errs = append(errs, fmt.Errorf("%s:%d: %s: a ZImagefile applies it after the steps, where line %d has changed a variable it uses",
						file, in.Source().Start.Line, in.Keyword(), after.Source().Start.Line))
					break
				}
			}
		}
	}
	return errs
}

// setsAny reports whether in (an ENV or ARG) sets one of names.
func setsAny(in plan.Instruction, names []string) bool {
	switch in := in.(type) {
	case *plan.Arg:
		return slices.Contains(names, in.Name)
	case *plan.Env:
		for _, kv := range in.Pairs {
			if slices.Contains(names, kv.Key) {
				return true
			}
		}
	}
	return false
}

// namesUsed lists the variables an instruction refers to, in the values a
// build expands and, for RUN, in the command its shell expands.
func namesUsed(in plan.Instruction) []string {
	var words []string
	pairs := func(kvs []plan.KeyValue) {
		for _, kv := range kvs {
			words = append(words, kv.Key, kv.Value)
		}
	}
	switch in := in.(type) {
	case *plan.Arg:
		words = append(words, in.Default)
	case *plan.Env:
		pairs(in.Pairs)
	case *plan.Label:
		pairs(in.Pairs)
	case *plan.Workdir:
		words = append(words, in.Path)
	case *plan.User:
		words = append(words, in.User)
	case *plan.Volume:
		words = append(words, in.Paths...)
	case *plan.StopSignal:
		words = append(words, in.Signal)
	case *plan.Copy:
		words = append(words, in.Dest, in.Chown, in.Chmod, in.From)
		words = append(words, in.Sources...)
	case *plan.Run:
		words = append(words, in.Args...)
		pairs(in.Env)
		for _, m := range in.Mounts {
			words = append(words, m.Target, m.ID)
		}
	}
	var names []string
	for _, w := range words {
		names = append(names, namesIn(w)...)
	}
	return names
}

// namesIn lists the variables a value refers to; a malformed reference
// ends the list (the parser reports it).
func namesIn(s string) []string {
	refs, _ := plan.ZImageReferences(s)
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name
	}
	return names
}
