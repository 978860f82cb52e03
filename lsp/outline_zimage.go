package lsp

import (
	"strings"

	"github.com/zlayer/zlayer/source"
	"github.com/zlayer/zlayer/zimage"
)

// zimageOutline builds the outline of a parsed ZImagefile.
func zimageOutline(f *zimage.File) *outline {
	o := &outline{}
	for _, st := range f.Stages {
		ss := &stageSym{index: st.Index, name: st.Name, nameRange: st.NameRange, rng: st.Range}
		switch {
		case st.Base != nil:
			ss.base, ss.baseRange = st.Base.Text, st.Base.Range
		case st.Build != nil:
			ss.base, ss.baseRange = "build: "+st.Build.Context, st.Build.Range
		}
		o.refs = append(o.refs, &ref{kind: refStage, name: st.Name, rng: st.NameRange, def: true, stage: st.Index})
		if st.Base != nil && earlierZStage(f, st.Base.Text, st.Index) {
			o.refs = append(o.refs, &ref{kind: refStage, name: st.Base.Text, rng: st.Base.Range, stage: st.Index})
		}
		ss.steps = zimageSteps(st.Steps)
		for _, step := range st.Steps {
			if step.From != nil && earlierZStage(f, step.From.Text, st.Index) {
				o.refs = append(o.refs, &ref{kind: refStage, name: step.From.Text, rng: step.From.Range, stage: st.Index})
			}
		}
		o.refs = append(o.refs, mapDefs(st.Args, st.Index, "args")...)
		o.refs = append(o.refs, mapDefs(st.Env, st.Index, "env")...)
		for _, step := range st.Steps {
			if step.Action == "env" {
				o.refs = append(o.refs, mapDefs(step.Env, st.Index, "env")...)
			}
		}
		o.stages = append(o.stages, ss)
	}
	o.steps = zimageSteps(f.Steps)
	o.refs = append(o.refs, mapDefs(f.Args, -1, "args")...)
	top := -1
	if f.Mode == zimage.ModeMultiStage && len(f.Stages) > 0 {
		top = len(f.Stages) - 1 // top-level image keys apply to the last stage
	}
	o.refs = append(o.refs, mapDefs(f.Env, top, "env")...)
	for _, step := range f.Steps {
		if step.Action == "env" {
			o.refs = append(o.refs, mapDefs(step.Env, -1, "env")...)
		}
	}
	o.refs = append(o.refs, zimageVarUses(f, o)...)
	for _, st := range f.Stages {
		for _, step := range st.Steps {
			if step.Range.End.Line > step.Range.Start.Line {
				o.folds = append(o.folds, step.Range)
			}
		}
	}
	sortRefs(o.refs)
	return o
}

// earlierZStage reports whether value names a stage defined before stage
// index before (exact match, spec §4.3).
func earlierZStage(f *zimage.File, value string, before int) bool {
	for _, st := range f.Stages {
		if st.Index >= before {
			break
		}
		if st.Name == value {
			return true
		}
	}
	return false
}

func zimageSteps(steps []*zimage.Step) []stepSym {
	var out []stepSym
	for _, s := range steps {
		out = append(out, stepSym{label: stepLabel(s), rng: s.Range, sel: s.ActionRange})
	}
	return out
}

// stepLabel is the outline label of a step, e.g. "run: make" or
// "copy: dist → /app".
func stepLabel(s *zimage.Step) string {
	switch s.Action {
	case "run":
		if s.Run != nil {
			return "run: " + shorten(firstLine(strings.Join(s.Run.Args, " ")), 60)
		}
	case "copy", "add":
		var srcs []string
		for _, v := range s.Sources {
			srcs = append(srcs, v.Text)
		}
		label := s.Action + ": " + strings.Join(srcs, " ")
		if s.To != nil {
			label += " → " + s.To.Text
		}
		if s.From != nil {
			label += " (from " + s.From.Text + ")"
		}
		return shorten(label, 70)
	case "env":
		if s.Env != nil {
			var keys []string
			for _, p := range s.Env.Pairs {
				keys = append(keys, p.Key)
			}
			return "env: " + shorten(strings.Join(keys, ", "), 60)
		}
	case "workdir":
		if s.Workdir != nil {
			return "workdir: " + s.Workdir.Text
		}
	case "user":
		if s.User != nil {
			return "user: " + s.User.Text
		}
	case "":
		return "step " + itoa(s.Index+1)
	}
	return s.Action
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// mapDefs turns the keys of an args or env map into variable definitions.
func mapDefs(m *zimage.Map, stage int, what string) []*ref {
	if m == nil {
		return nil
	}
	var out []*ref
	for _, p := range m.Pairs {
		out = append(out, &ref{kind: refVar, name: p.Key, rng: p.KeyRange, def: true, stage: stage,
			value: p.Value, hasValue: p.Value != "" || what == "env", what: what})
	}
	return out
}

// zimageVarUses finds $NAME and ${NAME…} in the file's values. Uses
// inside a stage belong to it, except in base and platform, which see the
// global args only; comment lines are skipped.
func zimageVarUses(f *zimage.File, o *outline) []*ref {
	sf := f.Source
	var global []source.Range
	if f.Base != nil {
		global = append(global, f.Base.Range)
	}
	if f.Platform != nil {
		global = append(global, f.Platform.Range)
	}
	for _, st := range f.Stages {
		if st.Base != nil {
			global = append(global, st.Base.Range)
		}
		if st.Platform != nil {
			global = append(global, st.Platform.Range)
		}
	}
	var out []*ref
	for n := 1; n <= sf.LineCount(); n++ {
		line := sf.LineText(n)
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") || !strings.Contains(line, "$") {
			continue
		}
		for _, u := range scanVars(line, '\\') {
			r := source.Range{Start: source.Pos{Line: n, Col: u.start}, End: source.Pos{Line: n, Col: u.end}}
			scope := -1
			if st := o.stageAt(r.Start); st != nil {
				scope = st.index
			}
			for _, g := range global {
				if g.Contains(r.Start) {
					scope = -1
				}
			}
			out = append(out, &ref{kind: refVar, name: u.name, rng: r, stage: scope})
		}
	}
	return out
}
