package zimage

import (
	"slices"
	"strconv"

	"github.com/zlayer/zlayer/source"
)

// Lookup finds the node at a JSON pointer path (unescaped segments, e.g.
// ["stages", "builder", "steps", "2", "run"]) and returns the range of its
// key (zero for list items and the root) and of its value. When the path
// does not exist it returns the ranges of the deepest existing ancestor and
// ok false.
func (f *File) Lookup(ptr []string) (key, value source.Range, ok bool) {
	n := f.root
	if n == nil {
		return source.Range{}, source.Range{}, false
	}
	value = n.rng
	for _, seg := range ptr {
		switch n.kind {
		case kindMap:
			p := n.get(seg)
			if p == nil {
				return key, value, false
			}
			key, value, n = p.key.rng, p.value.rng, p.value
		case kindSeq:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.items) {
				return key, value, false
			}
			n = n.items[i]
			key, value = source.Range{}, n.rng
		default:
			return key, value, false
		}
	}
	return key, value, true
}

// PointerAt returns the JSON pointer path of the deepest node at pos, e.g.
// ["stages", "builder", "steps", "2", "run"] on a run key or its value. On a
// line of its own (a blank line, or a key being typed that does not parse
// yet), indentation decides: the path is that of the mapping or list the
// line would belong to, so completion can offer its keys.
func (f *File) PointerAt(pos source.Pos) []string {
	indent := f.lineIndent(pos)
	ptr := []string{}
	n := f.root
	for n != nil {
		var next *node
		var seg string
		switch n.kind {
		case kindMap:
			seg, next = f.pairAt(n, pos, indent)
		case kindSeq:
			seg, next = f.itemAt(n, pos, indent)
		}
		if seg == "" && next == nil {
			break
		}
		ptr = append(ptr, seg)
		n = next
	}
	return ptr
}

// lineIndent is the indentation that decides what a position belongs to:
// the column of the line's first non-blank character when the position is
// on or after it, else the position's column.
func (f *File) lineIndent(pos source.Pos) int {
	// The source keeps the text of lines blanked during recovery, so a
	// half-typed key still shows its indentation.
	line := f.Source.LineText(pos.Line)
	ind := 0
	for ind < len(line) && line[ind] == ' ' {
		ind++
	}
	// "- key" counts at the key.
	for ind < len(line) && line[ind] == '-' && (ind+1 == len(line) || line[ind+1] == ' ') {
		ind++
		for ind < len(line) && line[ind] == ' ' {
			ind++
		}
	}
	if ind >= len(line) || pos.Col < ind {
		return pos.Col
	}
	return ind
}

// pairAt picks the entry of a mapping that pos belongs to.
func (f *File) pairAt(m *node, pos source.Pos, indent int) (string, *node) {
	var last *pair
	for _, p := range m.pairs {
		if p.merge {
			continue
		}
		r := p.rangeOf()
		if r.Contains(pos) {
			if p.key.rng.Contains(pos) || p.value.isNull() || p.value.kind == kindScalar {
				return p.key.text, nil
			}
			return p.key.text, p.value
		}
		if !pos.Before(r.Start) {
			last = p
		}
	}
	if last == nil || m.flow || pos.Line <= last.key.rng.Start.Line {
		return "", nil
	}
	// After the entry: deeper indentation continues its value.
	if indent > last.key.rng.Start.Col {
		if last.value.kind == kindMap || last.value.kind == kindSeq {
			return last.key.text, last.value
		}
		return last.key.text, nil
	}
	return "", nil
}

// itemAt picks the item of a list that pos belongs to.
func (f *File) itemAt(s *node, pos source.Pos, indent int) (string, *node) {
	last := -1
	for i, it := range s.items {
		if it.rng.Contains(pos) {
			return strconv.Itoa(i), descend(it)
		}
		if !pos.Before(it.rng.Start) {
			last = i
		}
	}
	if last < 0 || s.flow {
		return "", nil
	}
	it := s.items[last]
	if pos.Line > it.rng.Start.Line && indent > s.rng.Start.Col && it.kind == kindMap && indent >= it.rng.Start.Col {
		return strconv.Itoa(last), it
	}
	return "", nil
}

func descend(n *node) *node {
	if n.kind == kindMap || n.kind == kindSeq {
		return n
	}
	return nil
}

// StageNamesBefore returns the names of the stages that a stage reference
// at pos may name: the stages defined before the one containing pos (in
// runtime mode, the template's named stages). It is what completion offers
// for base and from.
func (f *File) StageNamesBefore(pos source.Pos) []string {
	if f.Mode == ModeRuntime && f.Runtime != nil {
		var out []string
		for _, n := range templateStageNames(f.Runtime.Text) {
			if n != "" {
				out = append(out, n)
			}
		}
		return out
	}
	var out []string
	for _, st := range f.Stages {
		if st.Range.Contains(pos) || pos.Before(st.Range.Start) {
			break
		}
		out = append(out, st.Name)
	}
	return out
}

// Variables returns the variable names in scope at pos (spec §9.7), for
// completion after "$": in a base or platform the global scope (automatic
// platform arguments and top-level args); elsewhere in a stage its own args
// and the env names set before pos; at the top level of a single-stage or
// runtime file the top-level args and env. Names from base images are not
// known.
func (f *File) Variables(pos source.Pos) []string {
	global := slices.Clone(automaticArgs)
	if f.Args != nil {
		for _, p := range f.Args.Pairs {
			global = appendNew(global, p.Key)
		}
	}
	for _, v := range []*Value{f.Base, f.Platform} {
		if v != nil && v.Range.Contains(pos) {
			return global
		}
	}
	for _, st := range f.Stages {
		if !st.Range.Contains(pos) {
			continue
		}
		for _, v := range []*Value{st.Base, st.Platform} {
			if v != nil && v.Range.Contains(pos) {
				return global
			}
		}
		var names []string
		if st.Args != nil {
			for _, p := range st.Args.Pairs {
				names = appendNew(names, p.Key)
			}
		}
		return scopeNames(names, st.Env, st.Steps, pos)
	}
	var names []string
	if f.Mode != ModeMultiStage {
		names = global
	}
	return scopeNames(names, f.Env, f.Steps, pos)
}

// scopeNames adds the env names set before pos.
func scopeNames(names []string, env *Map, steps []*Step, pos source.Pos) []string {
	if env != nil {
		for _, p := range env.Pairs {
			names = appendNew(names, p.Key)
		}
	}
	for _, st := range steps {
		if !st.Range.Start.Before(pos) {
			break
		}
		if st.Env == nil || st.Action != "env" && !st.Range.Contains(pos) {
			continue
		}
		for _, p := range st.Env.Pairs {
			names = appendNew(names, p.Key)
		}
	}
	return names
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
