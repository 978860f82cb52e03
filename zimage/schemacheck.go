package zimage

import (
	"errors"
	"slices"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/schema"
	"github.com/zlayer/zlayer/source"
)

// schemaErrors validates the document with the JSON Schema. It returns nil
// when there is no document or it cannot be decoded.
func (f *File) schemaErrors() []schema.Error {
	s, err := schema.Shared()
	if err != nil {
		return nil
	}
	if f.root == nil || f.root.y == nil {
		return s.Validate(nil) // an empty document is an empty mapping
	}
	doc, ok := docValue(f.root)
	if !ok {
		y := f.root.y
		if f.pieced {
			// The root's go-yaml node covers the first piece only.
			whole, err := safeParse(yamlText(f.Source.Text))
			if err != nil || len(whole.Docs) == 0 {
				return nil
			}
			y = whole.Docs[0].Body
		}
		if err := safeNodeToValue(y, &doc); err != nil {
			return nil
		}
	}
	return s.Validate(doc)
}

func safeNodeToValue(y ast.Node, v *any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errNodeToValue
		}
	}()
	return yaml.NodeToValue(y, v)
}

// errNodeToValue replaces a panic of the go-yaml decoder.
var errNodeToValue = errors.New("the YAML document cannot be decoded")

// schemaCheck reports schema errors (ZI000) that no hand-written error
// already covers: none on the same node, an ancestor or a descendant, so
// that a user never sees one problem twice. (A hand-written error on the
// root covers only schema errors on the root.) Nodes on or next to lines
// blanked during recovery are skipped. errs are the schema's errors.
func (d *decoder) schemaCheck(errs []schema.Error) {
	if d.f.root != nil && d.f.root.kind != kindMap {
		return
	}
	var covered [][]string
	for _, dg := range d.diags {
		if dg.Severity != diag.Error {
			continue
		}
		switch dg.Code {
		case "ZI001":
			// A syntax error inside a node (an unknown alias) covers it;
			// the lines around other syntax errors are skipped below.
			if ptr := d.f.nearestPointer(dg.Range.Start); len(ptr) > 0 {
				covered = append(covered, ptr)
			}
			continue
		case "ZI002":
			continue // the schema sees the first document only
		}
		ranges := []source.Range{dg.Range}
		for _, rel := range dg.Related {
			ranges = append(ranges, rel.Range)
		}
		for _, r := range ranges {
			if ptr, ok := d.f.pointerOfRange(r); ok {
				if aboutParent[dg.Code] && len(ptr) > 0 {
					ptr = ptr[:len(ptr)-1]
				}
				covered = append(covered, ptr)
			}
		}
	}
	for _, e := range errs {
		ptr := slices.Clone(e.Pointer)
		if e.Property != "" {
			ptr = append(ptr, e.Property)
		}
		if slices.ContainsFunc(covered, func(c []string) bool { return isPrefix(ptr, c) || len(c) > 0 && isPrefix(c, ptr) }) {
			continue
		}
		r, whole := d.f.schemaRange(e)
		if d.touchesBlanked(whole) {
			continue
		}
		d.report(diag.Diagnostic{Range: r, Severity: diag.Error, Code: "ZI000", Message: "schema: " + e.Message})
	}
}

// aboutParent lists the rules reported at a key whose subject is the
// mapping holding it (a step or a stage, or the root).
var aboutParent = map[string]bool{
	"ZI105": true, "ZI107": true, "ZI108": true,
	"ZI109": true, "ZI110": true, "ZI111": true, "ZI112": true,
}

func isPrefix(p, of []string) bool {
	return len(p) <= len(of) && slices.Equal(p, of[:len(p)])
}

// schemaRange is where a schema error is shown (the offending key for
// unknown and missing keys, else the value) and the whole node it is about.
func (f *File) schemaRange(e schema.Error) (show, whole source.Range) {
	key, value, _ := f.Lookup(e.Pointer)
	if f.root == nil {
		value = source.Range{Start: source.Pos{Line: 1}, End: source.Pos{Line: 1}}
	}
	whole = entry(key, value)
	show = value
	if e.Property != "" {
		if k, v, ok := f.Lookup(append(slices.Clone(e.Pointer), e.Property)); ok {
			return k, entry(k, v)
		}
		if !key.IsZero() {
			show = key
		}
	}
	return show, whole
}

// pointerOfRange finds the node whose key or value range is exactly r.
func (f *File) pointerOfRange(r source.Range) ([]string, bool) {
	if f.root == nil {
		return []string{}, true // an empty document: everything is about the root
	}
	var found []string
	ok := false
	var walk func(n *node, ptr []string)
	walk = func(n *node, ptr []string) {
		if ok || n == nil {
			return
		}
		if n.rng == r {
			found, ok = slices.Clone(ptr), true
			return
		}
		switch n.kind {
		case kindMap:
			for _, p := range n.pairs {
				sub := append(slices.Clone(ptr), p.key.text)
				if p.key.rng == r {
					found, ok = sub, true
					return
				}
				walk(p.value, sub)
			}
		case kindSeq:
			for i, it := range n.items {
				walk(it, append(slices.Clone(ptr), strconv.Itoa(i)))
			}
		}
	}
	walk(f.root, nil)
	return found, ok
}

// nearestPointer is the pointer of the deepest node that contains pos, for
// errors that are about a position rather than a node.
func (f *File) nearestPointer(pos source.Pos) []string {
	var ptr []string
	n := f.root
	for n != nil {
		var next *node
		switch n.kind {
		case kindMap:
			for _, p := range n.entries() {
				if p.rangeOf().Contains(pos) {
					ptr, next = append(ptr, p.key.text), p.value
					break
				}
			}
		case kindSeq:
			for i, it := range n.items {
				if it.rng.Contains(pos) {
					ptr, next = append(ptr, strconv.Itoa(i)), it
					break
				}
			}
		}
		n = next
	}
	return ptr
}
