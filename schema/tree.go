package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// node is one value of the schema JSON, decoded with object members kept in
// the order they are written, so that editor helpers list keys the way the
// schema (and the specification) declares them.
type node struct {
	members []member // object members, in order; nil unless isObject
	items   []*node  // array elements; nil unless isArray
	scalar  any      // string, json.Number, bool or nil
	target  *node    // what the object's "$ref" within the document points to; see resolveRefs
	isObject,
	isArray bool
}

type member struct {
	key string
	val *node
}

// parseTree decodes JSON text into a node tree, with every reference
// within the document resolved.
func parseTree(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the schema")
	}
	n.resolveRefs(n)
	return n, nil
}

// resolveRefs sets the target of every object under n whose "$ref" points
// within the document root, so that editor helpers follow references
// without parsing pointers on every request.
func (n *node) resolveRefs(root *node) {
	if n.isObject {
		if r, ok := strings.CutPrefix(n.get("$ref").str(), "#"); ok {
			n.target = root.lookup(r)
		}
		for _, m := range n.members {
			m.val.resolveRefs(root)
		}
	}
	for _, it := range n.items {
		it.resolveRefs(root)
	}
}

func decodeNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &node{isObject: true}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			val, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: keyTok.(string), val: val})
		}
		_, err := dec.Token() // closing brace
		return n, err
	case json.Delim('['):
		n := &node{isArray: true}
		for dec.More() {
			val, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, val)
		}
		_, err := dec.Token() // closing bracket
		return n, err
	default:
		return &node{scalar: tok}, nil
	}
}

// get returns the member key of an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// list returns the elements of an array node; nil for anything else.
func (n *node) list() []*node {
	if n == nil {
		return nil
	}
	return n.items
}

// str returns the string value of a scalar node, or "".
func (n *node) str() string {
	if n == nil {
		return ""
	}
	s, _ := n.scalar.(string)
	return s
}

// strings returns the string elements of an array node.
func (n *node) strings() []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, it := range n.items {
		if s, ok := it.scalar.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// value converts the node to plain Go values (map[string]any, []any,
// string, json.Number, bool, nil).
func (n *node) value() any {
	switch {
	case n.isObject:
		m := make(map[string]any, len(n.members))
		for _, mem := range n.members {
			m[mem.key] = mem.val.value()
		}
		return m
	case n.isArray:
		a := make([]any, len(n.items))
		for i, it := range n.items {
			a[i] = it.value()
		}
		return a
	default:
		return n.scalar
	}
}

// lookup resolves a JSON pointer (RFC 6901, "" or starting with "/")
// within n.
func (n *node) lookup(ptr string) *node {
	if ptr == "" {
		return n
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil
	}
	cur := n
	for _, seg := range strings.Split(ptr[1:], "/") {
		if strings.Contains(seg, "~") {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		}
		switch {
		case cur == nil:
			return nil
		case cur.isObject:
			cur = cur.get(seg)
		case cur.isArray:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(cur.items) {
				return nil
			}
			cur = cur.items[i]
		default:
			return nil
		}
	}
	return cur
}

// atURL returns the schema node at an absolute schema location reported by
// the validator, such as "https://…/zimagefile.schema.json#/$defs/step".
func (root *node) atURL(url string) *node {
	_, frag, ok := strings.Cut(url, "#")
	if !ok {
		return root
	}
	return root.lookup(frag)
}
