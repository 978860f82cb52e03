package lint

import (
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"

	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
)

// UndefinedVar: a variable used in a value Docker expands (not in RUN,
// CMD or heredoc bodies, which the shell expands) that no ARG or ENV of
// the stage defines before it. A stage based on an image also sees the
// image's environment, which is not known here, so for those stages only
// names that are clearly mistakes are reported: a global ARG used without
// re-declaring it in the stage, or a near miss of a defined name.

// scope is what a stage defines at a point.
type scope struct {
	names   map[string]bool
	global  map[string]bool
	fromImg bool // the stage chain starts from an image
}

func (s *scope) candidates() []string {
	var out []string
	for n := range s.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// undefined reports whether a reference is a finding in this scope, with
// the defined name it probably meant.
func (s *scope) undefined(ref plan.Reference) (bool, string) {
	if ref.Guarded || s.names[ref.Name] {
		return false, ""
	}
	near := suggest(ref.Name, s.candidates())
	if s.fromImg && !s.global[ref.Name] && near == "" {
		return false, ""
	}
	return true, near
}

func checkUndefinedVars(c *checker) {
	names, _ := globalArgs(c.f)
	global := map[string]bool{}
	for _, n := range names {
		global[n] = true
	}
	env := map[int]map[string]bool{} // ENV names at the end of each stage
	for _, st := range c.f.Stages {
		s := &scope{names: map[string]bool{}, global: global, fromImg: true}
		if base := stageByRef(c.f, st.Base, st.Index); base != nil {
			for n := range env[base.Index] {
				s.names[n] = true
			}
			s.fromImg = stageFromImage(c.f, base)
		} else if strings.EqualFold(st.Base, "scratch") {
			s.fromImg = false
		}
		envNames := map[string]bool{}
		for n := range s.names {
			envNames[n] = true
		}
		for in := range parsed(st) {
			c.checkWords(in, s)
			define(in, s.names, envNames)
		}
		env[st.Index] = envNames
	}
}

// stageFromImage reports whether a stage chain starts from an image.
func stageFromImage(f *dockerfile.File, st *dockerfile.Stage) bool {
	for depth := 0; depth <= len(f.Stages); depth++ {
		base := stageByRef(f, st.Base, st.Index)
		if base == nil {
			return !strings.EqualFold(st.Base, "scratch")
		}
		st = base
	}
	return true
}

// define adds the names an instruction defines: ARG names to the scope,
// ENV names to the scope and the stage environment.
func define(in *dockerfile.Instruction, names, env map[string]bool) {
	switch cmd := in.Command.(type) {
	case *instructions.ArgCommand:
		for _, a := range cmd.Args {
			names[a.Key] = true
		}
	case *instructions.EnvCommand:
		for _, kv := range cmd.Env {
			names[kv.Key] = true
			env[kv.Key] = true
		}
	}
}

// checkWords checks the words of an instruction that Docker expands.
func (c *checker) checkWords(in *dockerfile.Instruction, s *scope) {
	check := func(a dockerfile.Arg) {
		for _, ref := range plan.DockerfileReferences(a.Value, c.f.Escape) {
			if bad, near := s.undefined(ref); bad {
				c.report(refRange(c.f, a, ref), linter.RuleUndefinedVar.Format(ref.Name, near))
			}
		}
	}
	switch in.Command.(type) {
	case *instructions.ArgCommand:
		// Each ARG sees the ones declared before it on the same line.
		for _, a := range in.Args {
			check(argValue(in, a))
			name, _, _ := strings.Cut(a.Value, "=")
			s.names[name] = true
		}
	case *instructions.EnvCommand, *instructions.LabelCommand,
		*instructions.WorkdirCommand, *instructions.UserCommand, *instructions.VolumeCommand,
		*instructions.StopSignalCommand, *instructions.ExposeCommand:
		if !in.JSON || in.Name() == "VOLUME" {
			for _, a := range in.Args {
				check(argValue(in, a))
			}
		}
	case *instructions.CopyCommand, *instructions.AddCommand:
		for _, a := range in.Args {
			if !strings.HasPrefix(a.Value, "<<") {
				check(a)
			}
		}
		for _, f := range in.Flags {
			if f.Name == "chown" || f.Name == "chmod" || f.Name == "checksum" {
				check(dockerfile.Arg{Value: f.Value, Range: f.ValueRange})
			}
		}
	case *instructions.RunCommand:
		for _, f := range in.Flags {
			if f.Name == "mount" {
				check(dockerfile.Arg{Value: f.Value, Range: f.ValueRange})
			}
		}
	}
}

// argValue strips an ARG's name from its word, so that only the default
// is checked ("ARG A=$B" checks "$B").
func argValue(in *dockerfile.Instruction, a dockerfile.Arg) dockerfile.Arg {
	if in.Name() != "ARG" {
		return a
	}
	name, def, ok := strings.Cut(a.Value, "=")
	if !ok {
		return dockerfile.Arg{}
	}
	r := a.Range
	if r.Start.Line == r.End.Line {
		r.Start.Col += len(name) + 1
	}
	return dockerfile.Arg{Value: def, Range: r}
}
