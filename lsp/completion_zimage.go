package lsp

import (
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/dockerfile/runtimes"
	"github.com/zlayer/zlayer/schema"
	"github.com/zlayer/zlayer/source"
	"github.com/zlayer/zlayer/zimage"
)

// zimage completes a ZImagefile from the schema: keys valid in the mapping
// at the cursor (step kinds in a new step, the modifiers its kind allows
// in a step), values of the key before the cursor, stage names and
// variable names.
func (c *completer) zimage() {
	f := c.snap.zf
	if f == nil {
		return
	}
	zs, err := c.s.zschema()
	if err != nil {
		c.s.log.Error("ZImagefile completion is off", "error", err)
		return
	}
	cur := zcursorAt(f, c.at)
	c.edit = c.m.lspRange(source.Range{Start: cur.start, End: c.at})
	switch {
	case cur.comment:
	case cur.inVar:
		c.zimageVariables(f, cur)
	case cur.inValue:
		c.zimageValue(zs, f, cur)
	default:
		c.zimageKeys(zs, f, cur)
	}
}

// zimageKeys offers the keys of the mapping at the cursor that it does not
// hold yet. In a step without an action they are the step kinds; in a
// step with one, the keys its kind allows.
func (c *completer) zimageKeys(zs *zschema, f *zimage.File, cur zcursor) {
	keys := zs.Keys(cur.parent)
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	present := presentKeys(f, cur.parent, names, c.at.Line)
	step, action := isStep(cur.parent), ""
	if step {
		action = zs.steps.actionOf(present)
	}
	for _, k := range keys {
		switch {
		case present[k.Name]:
			continue
		case step && action == "" && !zs.steps.isAction(k.Name):
			continue
		case step && action != "" && !zs.steps.allows(action, k.Name):
			continue
		}
		insert, snippet := k.Name+": ", false
		if step && action == "" && len(zs.steps.requires[k.Name]) > 0 {
			insert, snippet = stepSnippet(k.Name, zs.steps.requires[k.Name], cur.keyCol), true
		}
		c.add(k.Name, protocol.CompletionItemKindProperty, keyDetail(k), k.Description, insert, snippet)
	}
}

// stepSnippet writes a new step of kind action with the keys its kind
// requires, e.g. "copy: ${1:src}\n  to: ${2}".
func stepSnippet(action string, required []string, indent int) string {
	var b strings.Builder
	b.WriteString(action + ": ${1:src}")
	for i, k := range required {
		b.WriteString("\n" + strings.Repeat(" ", indent) + k + ": ${" + itoa(i+2) + ":dest}")
	}
	return b.String()
}

// keyDetail is the detail of a key's completion item: its type, and
// whether the mapping needs it.
func keyDetail(k schema.Key) string {
	if k.Required {
		return k.Type + " (required)"
	}
	return k.Type
}

// zimageValue completes the value of the key before the cursor: stage
// names for a stage reference, runtime names and aliases, and the values
// the schema allows or suggests.
func (c *completer) zimageValue(zs *zschema, f *zimage.File, cur zcursor) {
	ptr := append(slices.Clip(cur.parent), cur.key)
	n := len(cur.parent)
	switch {
	case cur.key == "from" && isStep(cur.parent),
		cur.key == "base" && (n == 0 || n == 2 && cur.parent[0] == "stages"):
		c.zimageStages(f, cur)
	case n == 0 && cur.key == "runtime":
		for _, t := range runtimes.All() {
			c.add(t.Name, protocol.CompletionItemKindValue, t.Description, "", "", false)
			for _, a := range t.Aliases {
				c.add(a, protocol.CompletionItemKindValue, "alias of "+t.Name, "", "", false)
			}
		}
	}
	info, _ := zs.Describe(ptr)
	kind, detail := protocol.CompletionItemKindValue, "example"
	if len(info.Enum) > 0 || info.Type == "boolean" {
		kind, detail = protocol.CompletionItemKindEnumMember, info.Title
	}
	for _, v := range zs.Values(ptr) {
		d := detail
		if v == info.Default {
			d += " (default)"
		}
		c.add(v, kind, d, "", "", false)
	}
}

// zimageStages offers the stages a reference at the cursor may name: the
// stages before the one the cursor is in (in runtime mode, the template's
// stages).
func (c *completer) zimageStages(f *zimage.File, cur zcursor) {
	var names []string
	if st := stageOf(f, cur.parent); st != nil {
		for _, s := range f.Stages {
			if s.Index < st.Index {
				names = append(names, s.Name)
			}
		}
	} else {
		names = f.StageNamesBefore(c.at)
	}
	for _, name := range names {
		detail := "stage"
		if st := c.snap.outline.stageNamed(name, false); st != nil && f.Mode != zimage.ModeRuntime {
			detail = stageDetail(st)
		}
		c.add(name, protocol.CompletionItemKindClass, detail, "", "", false)
	}
}

// zimageVariables offers the variables in scope at the cursor (spec §9.7),
// with their values where the file sets them.
func (c *completer) zimageVariables(f *zimage.File, cur zcursor) {
	at := c.at
	// A stage's range ends with its last value; a line being typed below
	// it still belongs to the stage its indentation puts it in.
	if st := stageOf(f, cur.parent); st != nil && st.Range.End.Before(at) {
		at = st.Range.End
	}
	scope := -1
	if st := c.snap.outline.stageAt(at); st != nil {
		scope = st.index
	}
	for _, name := range f.Variables(at) {
		detail := ""
		use := &ref{kind: refVar, name: name, rng: source.Range{Start: at, End: at}, stage: scope}
		if def := c.snap.outline.definitionOf(use); def != nil {
			detail = varDetail(def)
		}
		c.add(name, protocol.CompletionItemKindVariable, detail, "", "", false)
	}
}
