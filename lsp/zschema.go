package lsp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/zlayer/zlayer/schema"
)

// zschema is the ZImagefile schema as completion and hover use it: the
// compiled schema (keys, descriptions, values) and the step rules read
// from the schema's step definition. It is the only source of ZImagefile
// keys in the language server.
type zschema struct {
	*schema.Schema
	steps stepRules
}

// stepRules say which keys may go together in one step. The schema's step
// definition has one anyOf branch per action (run, copy, add, env, workdir,
// user); a branch requires its action (and for copy and add also to) and
// rejects the other actions and the modifiers of other actions.
type stepRules struct {
	// actions are the step kinds in schema order.
	actions []string
	// rejects maps an action to the keys its branch does not allow.
	rejects map[string]map[string]bool
	// requires maps an action to the keys its branch requires besides the
	// action itself (to for copy and add).
	requires map[string][]string
}

// loadZSchema reads the step rules of the embedded schema, which it shares
// with the parser.
func loadZSchema() (*zschema, error) {
	s, err := schema.Shared()
	if err != nil {
		return nil, fmt.Errorf("loading the ZImagefile schema: %w", err)
	}
	rules, err := readStepRules(schema.JSON())
	if err != nil {
		return nil, fmt.Errorf("reading the step rules of the ZImagefile schema: %w", err)
	}
	return &zschema{Schema: s, steps: rules}, nil
}

// schemaNode is the part of a JSON Schema object the step rules need.
type schemaNode struct {
	Ref        string                `json:"$ref"`
	Type       json.RawMessage       `json:"type"`
	MaxItems   *int                  `json:"maxItems"`
	Required   []string              `json:"required"`
	Properties map[string]schemaNode `json:"properties"`
	Not        *schemaNode           `json:"not"`
	AnyOf      []schemaNode          `json:"anyOf"`
}

// readStepRules reads the anyOf branches of $defs/step (they exclude each
// other, so at most one applies to a step).
func readStepRules(text []byte) (stepRules, error) {
	var doc struct {
		Defs map[string]schemaNode `json:"$defs"`
	}
	if err := json.Unmarshal(text, &doc); err != nil {
		return stepRules{}, err
	}
	step, ok := doc.Defs["step"]
	if !ok || len(step.AnyOf) == 0 {
		return stepRules{}, fmt.Errorf("no anyOf branches in $defs/step")
	}
	r := stepRules{rejects: map[string]map[string]bool{}, requires: map[string][]string{}}
	for _, br := range step.AnyOf {
		if len(br.Required) == 0 {
			return stepRules{}, fmt.Errorf("a branch of $defs/step requires no action")
		}
		action := br.Required[0]
		r.actions = append(r.actions, action)
		r.requires[action] = br.Required[1:]
		rejects := map[string]bool{}
		for key, prop := range br.Properties {
			if rejectsValues(doc.Defs, prop) {
				rejects[key] = true
			}
		}
		if br.Not != nil {
			for _, key := range br.Not.Required {
				rejects[key] = true
			}
		}
		r.rejects[action] = rejects
	}
	return r, nil
}

// rejectsValues reports whether a property schema admits no value a user
// would write: only null (absent), or a list that must be empty.
func rejectsValues(defs map[string]schemaNode, n schemaNode) bool {
	for depth := 0; depth < 8; depth++ {
		if string(n.Type) == `"null"` || n.MaxItems != nil && *n.MaxItems == 0 {
			return true
		}
		name, ok := strings.CutPrefix(n.Ref, "#/$defs/")
		if !ok {
			return false
		}
		n = defs[name]
	}
	return false
}

// isAction reports whether key is a step kind.
func (r stepRules) isAction(key string) bool { return slices.Contains(r.actions, key) }

// actionOf picks the action of a step from its keys: the action whose
// branch allows every other key present, as the schema's anyOf does
// (run with env is a run step). It returns "" when there is none.
func (r stepRules) actionOf(present map[string]bool) string {
	for _, a := range r.actions {
		if !present[a] {
			continue
		}
		ok := true
		for k := range present {
			if r.rejects[a][k] {
				ok = false
				break
			}
		}
		if ok {
			return a
		}
	}
	return ""
}

// allows reports whether a step of kind action may also hold key: its
// branch does not reject it, and a key that other branches require (to)
// belongs to those actions only.
func (r stepRules) allows(action, key string) bool {
	if key == action || r.rejects[action][key] {
		return false
	}
	if slices.Contains(r.requires[action], key) {
		return true
	}
	for _, a := range r.actions {
		if slices.Contains(r.requires[a], key) {
			return false
		}
	}
	return true
}
