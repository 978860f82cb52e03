// Package schema holds the JSON Schema (draft 2020-12) of the ZImagefile
// format and the operations built on it.
//
// The schema text is embedded in the binary: `zlayer schema` prints it and
// editors can use it directly. Within the toolkit, the ZImagefile parser
// (package zimage) validates every document with [Schema.Validate] and maps
// each [Error]'s JSON pointer to the YAML range of the offending key or
// value, next to its hand-written rules; the language server drives
// completion and hover with [Schema.Keys], [Schema.Describe] and
// [Schema.Values].
//
// The schema follows the ZImagefile specification: every key is described,
// string positions accept any scalar, null means absent, and a value that
// the schema rejects is also an error under the specification's rules.
// Checks that need a value's YAML text rather than its decoded value (for
// example that `version: 1.0` is not `1`, or `chmod: 0755` written as an
// octal number) and checks across values (stage references, duplicate cache
// targets) belong to the hand-written rules.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ID is the schema's "$id": the URL editors and `yaml-language-server`
// modelines refer to it by.
const ID = "https://zlayer.dev/schemas/zimagefile.schema.json"

//go:embed zimagefile.schema.json
var schemaText string // read-only: the embedded schema

// JSON returns the text of the ZImagefile JSON Schema. The caller owns the
// returned slice.
func JSON() []byte {
	return []byte(schemaText)
}

// Schema is the compiled ZImagefile schema. It is safe for concurrent use.
type Schema struct {
	compiled *jsonschema.Schema
	// invalid accepts exactly the documents the schema rejects (it is
	// "not" the schema, flattened: see flatten). The validator evaluates a
	// "not" for a yes or no only, stopping at the first problem and
	// describing none, which is much cheaper than collecting every error;
	// Validate asks it first.
	invalid *jsonschema.Schema
	root    *node // the schema JSON with member order kept
}

// flatID and invalidID are the "$id"s of the flattened schema and of the
// schema that accepts what it rejects.
const (
	flatID    = "https://zlayer.dev/schemas/zimagefile-flat.schema.json"
	invalidID = "https://zlayer.dev/schemas/zimagefile-invalid.schema.json"
)

// Load compiles the embedded schema. Callers compile it once and keep the
// result; an error means the embedded schema itself is broken.
func Load() (*Schema, error) {
	return compile(JSON())
}

// Shared returns the embedded schema compiled once per process, for every
// part of the toolkit that checks or describes ZImagefiles. A compiled
// schema is immutable and safe for concurrent use.
var Shared = sync.OnceValues(Load)

// compile compiles a schema text with the embedded schema's "$id".
func compile(text []byte) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(ID, doc); err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	compiled, err := c.Compile(ID)
	if err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("zimagefile schema: not a JSON object")
	}
	if err := c.AddResource(flatID, flatten(obj, flatID)); err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	not := map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "not": map[string]any{"$ref": flatID}}
	if err := c.AddResource(invalidID, not); err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	invalid, err := c.Compile(invalidID)
	if err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	root, err := parseTree(text)
	if err != nil {
		return nil, fmt.Errorf("zimagefile schema: %w", err)
	}
	return &Schema{compiled: compiled, invalid: invalid, root: root}, nil
}
