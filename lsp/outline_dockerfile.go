package lsp

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// dockerfileOutline builds the outline of a parsed Dockerfile.
func dockerfileOutline(f *dockerfile.File) *outline {
	o := &outline{}
	sf := f.Source
	for _, st := range f.Stages {
		ss := &stageSym{index: st.Index, name: st.Name, nameRange: st.NameRange, rng: st.Range, base: st.Base, baseRange: st.BaseRange}
		if ss.name != "" {
			o.refs = append(o.refs, &ref{kind: refStage, name: st.Name, rng: st.NameRange, def: true, stage: st.Index})
		}
		if st.Base != "" && earlierStage(f, st.Base, st.Index) {
			o.refs = append(o.refs, &ref{kind: refStage, name: strings.ToLower(st.Base), rng: st.BaseRange, stage: st.Index})
		}
		ss.steps = make([]stepSym, 0, len(st.Instructions))
		for _, in := range st.Instructions {
			ss.steps = append(ss.steps, stepSym{label: instructionLabel(sf, in), rng: in.Range, sel: in.KeywordRange})
		}
		o.stages = append(o.stages, ss)
	}
	for _, in := range f.Instructions {
		o.refs = append(o.refs, instructionRefs(f, in)...)
		if in.Range.End.Line > in.Range.Start.Line {
			o.folds = append(o.folds, in.Range)
		}
	}
	sortRefs(o.refs)
	return o
}

// earlierStage reports whether name (case-insensitive, as BuildKit
// compares) names a stage defined before stage index before.
func earlierStage(f *dockerfile.File, name string, before int) bool {
	for _, st := range f.Stages {
		if st.Index >= before {
			break
		}
		if st.Name != "" && strings.EqualFold(st.Name, name) {
			return true
		}
	}
	return false
}

// instructionLabel is the outline label of an instruction: its name and
// the first line of its arguments, shortened.
func instructionLabel(sf *source.File, in *dockerfile.Instruction) string {
	start := sf.Offset(in.KeywordRange.End)
	end := sf.Offset(in.Range.End)
	if end <= start {
		return in.Name()
	}
	line := sf.Text[start:end]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	text := strings.TrimRight(strings.TrimSpace(string(line)), "\\`")
	return strings.TrimSpace(in.Name() + " " + shorten(text, 60))
}

// shorten cuts s to n characters, the last one an ellipsis.
func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// instructionRefs lists the stage and variable occurrences of one
// instruction.
func instructionRefs(f *dockerfile.File, in *dockerfile.Instruction) []*ref {
	var out []*ref
	sf := f.Source
	scope := in.Stage
	name := in.Name()
	if name == "FROM" {
		scope = -1 // FROM sees the global ARGs only
	}
	switch name {
	case "ARG", "ENV":
		out = append(out, definitions(sf, in, scope)...)
	case "COPY", "ADD":
		if fl, ok := in.Flag("from"); ok && fl.HasValue && earlierStage(f, fl.Value, in.Stage) {
			out = append(out, &ref{kind: refStage, name: strings.ToLower(fl.Value), rng: fl.ValueRange, stage: in.Stage})
		}
	case "RUN":
		for _, fl := range in.Flags {
			if fl.Name != "mount" {
				continue
			}
			if v, r, ok := mountField(sf, fl, "from"); ok && earlierStage(f, v, in.Stage) {
				out = append(out, &ref{kind: refStage, name: strings.ToLower(v), rng: r, stage: in.Stage})
			}
		}
	}
	for _, fl := range in.Flags {
		out = append(out, varUses(sf, fl.ValueRange, scope, f.Escape)...)
	}
	for _, a := range in.Args {
		if name == "ARG" || name == "ENV" {
			// Only the value part of a definition uses variables.
			if _, v, ok := strings.Cut(a.Value, "="); ok {
				start := sf.Offset(a.Range.End) - len(v)
				out = append(out, varUses(sf, source.Range{Start: sf.PosAt(start), End: a.Range.End}, scope, f.Escape)...)
			}
			continue
		}
		out = append(out, varUses(sf, a.Range, scope, f.Escape)...)
	}
	return out
}

// definitions lists the names ARG and ENV define, with their values.
func definitions(sf *source.File, in *dockerfile.Instruction, scope int) []*ref {
	var out []*ref
	args := in.Args
	if in.Name() == "ENV" && len(args) >= 2 && !strings.Contains(args[0].Value, "=") {
		// Legacy "ENV key value words".
		start := sf.Offset(args[1].Range.Start)
		end := sf.Offset(args[len(args)-1].Range.End)
		return []*ref{{kind: refVar, name: args[0].Value, rng: args[0].Range, def: true, stage: scope,
			value: string(sf.Text[start:end]), hasValue: true, what: "ENV"}}
	}
	for _, a := range args {
		name, value, has := strings.Cut(a.Value, "=")
		if name == "" || !isVarName(name) {
			continue
		}
		start := sf.Offset(a.Range.Start)
		r := source.Range{Start: a.Range.Start, End: sf.PosAt(start + len(name))}
		out = append(out, &ref{kind: refVar, name: name, rng: r, def: true, stage: scope,
			value: unquote(value), hasValue: has, what: in.Name()})
	}
	return out
}

// mountField finds key=value in a --mount flag's value and returns the
// value with its range.
func mountField(sf *source.File, fl dockerfile.Flag, key string) (string, source.Range, bool) {
	start := sf.Offset(fl.ValueRange.Start)
	text := string(sf.Text[start:sf.Offset(fl.ValueRange.End)])
	off := 0
	for _, field := range strings.Split(text, ",") {
		k, v, ok := strings.Cut(field, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			vs := start + off + len(k) + 1
			return v, source.Range{Start: sf.PosAt(vs), End: sf.PosAt(vs + len(v))}, true
		}
		off += len(field) + 1
	}
	return "", source.Range{}, false
}

// varUses scans the source text of r for $NAME and ${NAME…} and returns
// one reference per name, ranged on the name itself.
func varUses(sf *source.File, r source.Range, scope int, escape rune) []*ref {
	if r.IsZero() {
		return nil
	}
	start := sf.Offset(r.Start)
	var out []*ref
	for _, u := range scanVars(string(sf.Text[start:sf.Offset(r.End)]), escape) {
		out = append(out, &ref{kind: refVar, name: u.name,
			rng: source.Range{Start: sf.PosAt(start + u.start), End: sf.PosAt(start + u.end)}, stage: scope})
	}
	return out
}

// varUse is a variable name found in text, at byte offsets [start, end).
type varUse struct {
	name       string
	start, end int
}

// scanVars finds variable references ($NAME, ${NAME}, ${NAME:-word}, …)
// in text. An escaped dollar (escape token before it) is not a reference;
// references inside ${…} words are found too.
func scanVars(text string, escape rune) []varUse {
	var out []varUse
	for i := 0; i < len(text); i++ {
		c := text[i]
		if escape != 0 && rune(c) == escape && i+1 < len(text) {
			i++
			continue
		}
		if c != '$' || i+1 >= len(text) {
			continue
		}
		j := i + 1
		if text[j] == '{' {
			j++
		}
		k := j
		for k < len(text) && isNameByte(text[k], k == j) {
			k++
		}
		if k > j {
			out = append(out, varUse{name: text[j:k], start: j, end: k})
			i = k - 1
		}
	}
	return out
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || !first && '0' <= c && c <= '9'
}

func isVarName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return s != ""
}

// unquote removes one level of matching quotes around a value.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func sortRefs(rs []*ref) {
	slicesSortFunc(rs, func(a, b *ref) int {
		switch {
		case a.rng.Start.Before(b.rng.Start):
			return -1
		case b.rng.Start.Before(a.rng.Start):
			return 1
		}
		return 0
	})
}
