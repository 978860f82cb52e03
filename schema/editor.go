package schema

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Key is a key that may appear in a mapping of a ZImagefile, as offered by
// completion.
type Key struct {
	Name        string // the key as written in YAML
	Title       string // a few words naming it, e.g. "Base image"
	Description string // one or two sentences for the user
	Required    bool   // the mapping must contain it
	Type        string // short type label, e.g. "string", "command", "list of steps"
}

// Info describes the value at a location of a ZImagefile, as shown by
// hover.
type Info struct {
	Title       string
	Description string
	Type        string   // short type label, as in Key
	Enum        []string // the allowed values of a closed set, in schema order
	Default     string   // the value used when the key is absent, as YAML text; "" if none
	Examples    []string // example values, as YAML text
}

// candidate is a schema that applies at a location; branch marks schemas
// reached through oneOf/anyOf, which apply only to some documents.
type candidate struct {
	n      *node
	branch bool
}

// Keys returns the keys valid in the mapping at ptr, in the order the
// specification lists them. ptr uses unescaped segments like
// Error.Pointer: ["stages", "app"] is a stage (any name works),
// ["steps", "0"] a step, [] the top level. It returns nil when the value
// at ptr is not a mapping with known keys.
func (s *Schema) Keys(ptr []string) []Key {
	var keys []Key
	index := map[string]int{}
	for _, c := range s.schemasAt(ptr) {
		required := c.n.get("required").strings()
		props := c.n.get("properties")
		if props == nil {
			continue
		}
		for _, m := range props.members {
			k := Key{
				Name:        m.key,
				Title:       s.find(m.val, "title").str(),
				Description: s.find(m.val, "description").str(),
				Required:    !c.branch && slices.Contains(required, m.key),
				Type:        s.label(m.val),
			}
			i, seen := index[m.key]
			switch {
			case !seen:
				index[m.key] = len(keys)
				keys = append(keys, k)
			case keys[i].Description == "" && !c.branch:
				keys[i] = k
			default:
				keys[i].Required = keys[i].Required || k.Required
			}
		}
	}
	return keys
}

// Describe returns what the schema says about the value at ptr, for hover
// on a key or value: ["stages", "app", "steps", "0", "cache", "0",
// "sharing"] describes a cache mount's sharing mode. It reports false when
// the schema does not know the location.
func (s *Schema) Describe(ptr []string) (Info, bool) {
	n := s.primary(ptr)
	if n == nil {
		return Info{}, false
	}
	info := Info{
		Title:       s.find(n, "title").str(),
		Description: s.find(n, "description").str(),
		Type:        s.label(n),
	}
	if e := s.find(n, "enum"); e != nil {
		for _, it := range e.items {
			if it.scalar != nil {
				info.Enum = appendNew(info.Enum, yamlText(it))
			}
		}
	}
	if d := s.find(n, "default"); d != nil {
		info.Default = yamlText(d)
	}
	if ex := s.find(n, "examples"); ex != nil {
		for _, it := range ex.items {
			info.Examples = appendNew(info.Examples, yamlText(it))
		}
	}
	return info, true
}

// Values returns the values to offer when completing the value at ptr:
// the allowed values of a closed set (os, cache sharing, the wasm
// settings, version), true and false for a boolean, or else the schema's
// example values (runtime template names, common mount points).
func (s *Schema) Values(ptr []string) []string {
	info, ok := s.Describe(ptr)
	switch {
	case !ok:
		return nil
	case len(info.Enum) > 0:
		return info.Enum
	case info.Type == "boolean":
		return []string{"true", "false"}
	default:
		return info.Examples
	}
}

// primary returns the main schema of the value at ptr: the first one that
// applies to every document, not a oneOf branch.
func (s *Schema) primary(ptr []string) *node {
	for _, c := range s.schemasAt(ptr) {
		if !c.branch {
			return c.n
		}
	}
	return nil
}

// schemasAt returns the schemas that apply to the value at ptr, the most
// specific first: a key's own schema, then what it refers to, then the
// branches of oneOf/anyOf and allOf.
func (s *Schema) schemasAt(ptr []string) []candidate {
	cur := s.expand(candidate{n: s.root}, nil, 0)
	for _, seg := range ptr {
		var next []candidate
		for _, c := range cur {
			for _, child := range s.children(c.n, seg) {
				next = s.expand(candidate{n: child, branch: c.branch}, next, 0)
			}
		}
		cur = next
	}
	return cur
}

// expand appends c, the schema it refers to and its subschemas that apply
// to the same value.
func (s *Schema) expand(c candidate, out []candidate, depth int) []candidate {
	if c.n == nil || depth > 32 {
		return out
	}
	out = append(out, c)
	if t := c.n.target; t != nil {
		out = s.expand(candidate{n: t, branch: c.branch}, out, depth+1)
	}
	for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
		for _, sub := range c.n.get(kw).list() {
			out = s.expand(candidate{n: sub, branch: c.branch || kw != "allOf"}, out, depth+1)
		}
	}
	return out
}

// children returns the subschemas of n that apply to the member seg of an
// object or the item seg of an array.
func (s *Schema) children(n *node, seg string) []*node {
	if p := n.get("properties").get(seg); p != nil {
		return []*node{p}
	}
	var out []*node
	if pp := n.get("patternProperties"); pp != nil {
		for _, m := range pp.members {
			if ok, err := regexp.MatchString(m.key, seg); err == nil && ok {
				out = append(out, m.val)
			}
		}
	}
	if ap := n.get("additionalProperties"); len(out) == 0 && ap != nil && ap.isObject {
		out = append(out, ap)
	}
	if it := n.get("items"); it != nil && it.isObject {
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 {
			out = append(out, it)
		}
	}
	return out
}

// find returns the keyword kw of n, or of the schemas n refers to.
func (s *Schema) find(n *node, kw string) *node {
	for depth := 0; n != nil && depth < 32; depth++ {
		if v := n.get(kw); v != nil {
			return v
		}
		n = n.target
	}
	return nil
}

// label is the short type label of a schema: the title of the definition
// it refers to ("command", "string map"), or one made from its types.
func (s *Schema) label(n *node) string {
	if t := n.target; t != nil {
		if title := t.get("title").str(); title != "" {
			return title
		}
		return s.label(t)
	}
	types := n.get("type").strings()
	if t := n.get("type").str(); t != "" {
		types = []string{t}
	}
	if len(types) == 0 && n.get("enum") != nil {
		return "string"
	}
	var parts []string
	anyScalar := slices.Contains(types, "string") // strings take numbers and booleans too
	if anyScalar {
		parts = append(parts, "string")
	}
	for _, t := range types {
		switch t {
		case "integer", "boolean":
			if !anyScalar {
				parts = append(parts, t)
			}
		case "array":
			parts = append(parts, "list of "+plural(s.labelOr(n.get("items"), "value")))
		case "object":
			if ap := n.get("additionalProperties"); ap != nil && ap.isObject {
				parts = append(parts, "map of "+plural(s.label(ap)))
			} else {
				parts = append(parts, "mapping")
			}
		}
	}
	return strings.Join(parts, " or ")
}

func (s *Schema) labelOr(n *node, fallback string) string {
	if n == nil || !n.isObject {
		return fallback
	}
	if l := s.label(n); l != "" {
		return l
	}
	return fallback
}

func plural(noun string) string {
	if strings.HasSuffix(noun, "s") {
		return noun
	}
	return noun + "s"
}

// yamlText writes a schema value the way a user would write it in YAML:
// scalars as plain text, collections in flow style.
func yamlText(n *node) string {
	if n.isObject || n.isArray {
		b, err := json.Marshal(n.value())
		if err != nil {
			return ""
		}
		return string(b)
	}
	switch v := n.scalar.(type) {
	case string:
		return v
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
