package zimage

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"
)

// This file builds the document value the JSON Schema validates from the
// tree of nodes, which is several times cheaper than decoding the go-yaml
// tree again with yaml.NodeToValue. The value is exactly what NodeToValue
// would produce after schema normalization (map keys as strings): scalars
// keep go-yaml's own typed values, and a later duplicate key wins. Where
// go-yaml's decoding has subtleties of its own (merge keys, aliases, tags,
// complex keys), docValue declines and the caller decodes
// with go-yaml instead.

// docValue returns the value of n as the schema sees it, and false when
// the tree holds something only go-yaml's decoder can interpret.
func docValue(n *node) (any, bool) {
	if n.opaque || n.alias {
		return nil, false
	}
	switch n.kind {
	case kindMap:
		return mapValue(n)
	case kindSeq:
		a := make([]any, len(n.items))
		for i, it := range n.items {
			v, ok := docValue(it)
			if !ok {
				return nil, false
			}
			a[i] = v
		}
		return a, true
	}
	return scalarValue(n)
}

func mapValue(n *node) (any, bool) {
	m := make(map[string]any, len(n.pairs))
	for _, p := range n.pairs {
		if p.merge || p.key.kind != kindScalar || p.key.opaque || p.key.alias {
			return nil, false
		}
		k := p.key.text
		if p.key.typ != typeString {
			v, ok := scalarValue(p.key)
			if !ok {
				return nil, false
			}
			k = keyString(v)
		}
		v, ok := docValue(p.value)
		if !ok {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}

// keyString is the map key go-yaml makes of a decoded key.
func keyString(k any) string {
	switch k := k.(type) {
	case nil:
		return "null"
	case string:
		return k
	}
	return fmt.Sprint(k)
}

// scalarValue is the value of a scalar node: its text where the YAML 1.2
// core schema makes it a string (the rules' reading, spec §1.2: `0b0` and
// `yes` are strings though go-yaml reads YAML 1.1 numbers and booleans),
// else go-yaml's value of its own kinds.
func scalarValue(n *node) (any, bool) {
	if n.opaque || n.alias || n.kind != kindScalar {
		return nil, false
	}
	if n.typ == typeString {
		return n.text, true
	}
	switch y := n.y.(type) {
	case *ast.StringNode:
		return y.Value, true
	case *ast.IntegerNode:
		return y.Value, true
	case *ast.FloatNode:
		return y.Value, true
	case *ast.BoolNode:
		return y.Value, true
	case *ast.NullNode:
		return nil, true
	case *ast.InfinityNode:
		return y.Value, true
	case *ast.NanNode:
		return y.GetValue(), true
	case *ast.LiteralNode:
		if y.Value != nil {
			return y.Value.Value, true
		}
	}
	return nil, false
}
