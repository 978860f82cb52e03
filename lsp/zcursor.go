package lsp

import (
	"slices"
	"strings"

	"github.com/zlayer/zlayer/source"
	"github.com/zlayer/zlayer/zimage"
)

// zcursor is where the cursor is in a ZImagefile, for completion: the
// mapping it is in, as a JSON pointer into the document, and what is being
// typed there. The mapping comes from the parser's recovered AST
// (zimage.File.PointerAt), so a half-typed key on a line that does not
// parse still finds its parent; the line itself is read from its text.
type zcursor struct {
	// parent points at the mapping that holds the key on the cursor line,
	// e.g. ["stages", "build", "steps", "1"]; [] is the top level.
	parent []string
	// key is set when the cursor is after "key:" on its line.
	key     string
	inValue bool
	// inVar is set after "$" or "${": a variable name is being typed.
	inVar bool
	// comment is set when the cursor is in a comment.
	comment bool
	// start is where the word being typed starts; keyCol is the column of
	// the line's key (after any "- ").
	start  source.Pos
	keyCol int
}

// zcursorAt reads the completion context at p.
func zcursorAt(f *zimage.File, p source.Pos) zcursor {
	text := f.Source.LineText(p.Line)
	before := text[:min(p.Col, len(text))]
	// The "x" keeps an empty key position visible: "  - " reads as an item.
	cur := readYAMLLine(before + "x")
	c := zcursor{comment: cur.blank, keyCol: cur.keyCol}
	i := len(before)
	for i > 0 && !strings.ContainsRune(" \t:[,{\"'$", rune(before[i-1])) {
		i--
	}
	c.start = source.Pos{Line: p.Line, Col: i}
	c.inVar = i > 0 && before[i-1] == '$' || i > 1 && before[i-2:i] == "${"
	if cur.hasKey {
		c.key, c.inValue = cur.key, true
	}
	// The whole line tells whether the cursor is inside a key that parsed.
	full := readYAMLLine(text)
	key := ""
	if full.hasKey && full.keyCol == cur.keyCol {
		key = full.key
	}
	c.parent = zparent(f, p.Line, cur.keyCol, key, len(cur.dashes) > 0)
	return c
}

// zparent returns the pointer of the mapping that holds a key written on
// line at column keyCol (key is the key's text when the line has one);
// item reports a "- " before the key, which opens a list item.
func zparent(f *zimage.File, line, keyCol int, key string, item bool) []string {
	at := source.Pos{Line: line, Col: keyCol}
	ptr := f.PointerAt(at)
	if n := len(ptr); key != "" && n > 0 && ptr[n-1] == key {
		if k, _, ok := f.Lookup(ptr); ok && k.Start == at {
			ptr = ptr[:n-1]
		}
	}
	if !item {
		return ptr
	}
	if n := len(ptr); n > 0 && isIndex(ptr[n-1]) {
		if _, v, ok := f.Lookup(ptr); ok && v.Start.Line == line {
			return ptr // the item on this line parsed
		}
	}
	// A new item (a lone "- "): it comes after the items above it.
	n := 0
	for {
		_, v, ok := f.Lookup(append(slices.Clip(ptr), itoa(n)))
		if !ok || v.Start.Line >= line {
			break
		}
		n++
	}
	return append(ptr, itoa(n))
}

// presentKeys returns which of keys the mapping at ptr already holds, on
// lines other than line (the key being typed is offered again).
func presentKeys(f *zimage.File, ptr []string, keys []string, line int) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		if kr, _, ok := f.Lookup(append(slices.Clip(ptr), k)); ok && kr.Start.Line != line {
			out[k] = true
		}
	}
	return out
}

// isStep reports whether ptr points at a step: an item of a steps list.
func isStep(ptr []string) bool {
	n := len(ptr)
	return n >= 2 && ptr[n-2] == "steps" && isIndex(ptr[n-1])
}

// stageOf returns the stage a pointer is in, or nil.
func stageOf(f *zimage.File, ptr []string) *zimage.Stage {
	if len(ptr) < 2 || ptr[0] != "stages" {
		return nil
	}
	for _, st := range f.Stages {
		if st.Name == ptr[1] {
			return st
		}
	}
	return nil
}

func isIndex(s string) bool { _, ok := atoi(s); return ok }
