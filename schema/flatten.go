package schema

import "strings"

// This file derives the schema that [Schema.Validate] asks first, for a yes
// or no: the same assertions with each reference to a definition replaced
// by the definition's keywords where that cannot change what the schema
// accepts. The validator evaluates every "$ref" as a schema of its own,
// which costs as much as the keyword it leads to; on a 1,000-step file that
// is a third of the validation. Errors are still collected with the schema
// as written, whose locations map to its text and messages.

// annotations are keywords the validator does not assert; the flat schema
// leaves them out.
var annotations = map[string]bool{
	"title": true, "description": true, "examples": true, "default": true,
	"$comment": true, "x-zlayer-message": true,
}

// schemaMaps, schemaValues and schemaLists are the keywords whose values
// are, respectively, maps of schemas, schemas, and lists of schemas.
var (
	schemaMaps = map[string]bool{
		"properties": true, "patternProperties": true, "dependentSchemas": true, "$defs": true,
	}
	schemaValues = map[string]bool{
		"additionalProperties": true, "items": true, "not": true, "if": true, "then": true,
		"else": true, "propertyNames": true, "contains": true,
		"unevaluatedProperties": true, "unevaluatedItems": true,
	}
	schemaLists = map[string]bool{"allOf": true, "anyOf": true, "oneOf": true, "prefixItems": true}
)

// interacting lists the groups of keywords whose meaning depends on each
// other: they must come from the same schema to keep their meaning.
var interacting = []map[string]bool{
	{"properties": true, "patternProperties": true, "additionalProperties": true},
	{"prefixItems": true, "items": true},
	{"if": true, "then": true, "else": true},
	{"contains": true, "minContains": true, "maxContains": true},
}

// flatten returns a copy of the schema document doc (as
// jsonschema.UnmarshalJSON decodes it) with references to its own
// definitions inlined where the result asserts exactly the same.
// The copy's "$id" is id.
func flatten(doc map[string]any, id string) map[string]any {
	defs, _ := doc["$defs"].(map[string]any)
	f := flattener{defs: defs}
	out := f.schema(doc, 0).(map[string]any)
	out["$id"] = id
	return out
}

type flattener struct {
	defs map[string]any
}

// maxInline bounds the inlining of definitions that refer to others (and
// stops a definition that refers to itself).
const maxInline = 16

func (f flattener) schema(v any, depth int) any {
	s, ok := v.(map[string]any)
	if !ok {
		return v // true or false
	}
	out := make(map[string]any, len(s))
	for k, val := range s {
		switch {
		case annotations[k]:
		case schemaMaps[k]:
			m, _ := val.(map[string]any)
			sub := make(map[string]any, len(m))
			for name, sch := range m {
				sub[name] = f.schema(sch, depth)
			}
			out[k] = sub
		case schemaValues[k]:
			out[k] = f.schema(val, depth)
		case schemaLists[k]:
			l, _ := val.([]any)
			sub := make([]any, len(l))
			for i, sch := range l {
				sub[i] = f.schema(sch, depth)
			}
			out[k] = sub
		default:
			out[k] = val
		}
	}
	return f.inline(out, depth)
}

// inline replaces s's "$ref" to a definition by the definition's keywords
// when none of them is also in s, and no group of interacting keywords
// would be split between the two.
func (f flattener) inline(s map[string]any, depth int) map[string]any {
	ref, _ := s["$ref"].(string)
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok || depth >= maxInline || strings.ContainsAny(name, "/~%") {
		return s
	}
	def, ok := f.schema(f.defs[name], depth+1).(map[string]any)
	if !ok {
		return s
	}
	for k := range def {
		switch k {
		case "$id", "$anchor", "$dynamicAnchor", "$schema", "$defs", "$ref", "$dynamicRef":
			return s
		}
		if _, both := s[k]; both {
			return s
		}
	}
	for _, group := range interacting {
		if hasAny(s, group) && hasAny(def, group) {
			return s
		}
	}
	out := make(map[string]any, len(s)+len(def))
	for k, v := range s {
		if k != "$ref" {
			out[k] = v
		}
	}
	for k, v := range def {
		out[k] = v
	}
	return out
}

func hasAny(s map[string]any, keys map[string]bool) bool {
	for k := range s {
		if keys[k] {
			return true
		}
	}
	return false
}
