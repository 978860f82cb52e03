package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestSplitSound holds the schema to what valid relies on when it checks
// the halves of a document's stages apart: stages are constrained one by
// one, by their presence and by minProperties 1, and nothing else in the
// schema looks at them.
func TestSplitSound(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(JSON(), &root); err != nil {
		t.Fatal(err)
	}
	stages := root["properties"].(map[string]any)["stages"].(map[string]any)
	allowed := map[string]bool{"title": true, "description": true, "type": true, "minProperties": true,
		"additionalProperties": true, "x-zlayer-message": true}
	for k := range stages {
		if !allowed[k] {
			t.Errorf("properties.stages uses %q: check that a document split by stages is still judged alike, then allow it here", k)
		}
	}
	if stages["minProperties"] != 1.0 {
		t.Errorf("properties.stages.minProperties = %v, want 1", stages["minProperties"])
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if k == "stages" && path != "/properties" {
					t.Errorf("%s/stages: only properties.stages may constrain stages", path)
				}
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				if e == "stages" && !strings.HasSuffix(path, "/required") {
					t.Errorf("%s/%d names stages outside a required list", path, i)
				}
				walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		}
	}
	walk("", root)
}

// TestSplitVerdicts checks Validate on documents with enough stages to be
// split: the verdict and the errors are those of the whole document,
// wherever the bad stage falls.
func TestSplitVerdicts(t *testing.T) {
	s := load(t)
	for bad := -1; bad < 6; bad++ {
		stages := map[string]any{}
		for i := range 6 {
			st := map[string]any{"base": "alpine", "steps": []any{map[string]any{"run": "true"}}}
			if i == bad {
				st["steps"] = []any{map[string]any{"run": "true", "frm": "x"}}
			}
			stages[fmt.Sprintf("s%d", i)] = st
		}
		doc := map[string]any{"version": "1", "stages": stages}
		errs := s.Validate(doc)
		if bad < 0 {
			if errs != nil {
				t.Errorf("valid document: got %v", errs)
			}
			continue
		}
		want := fmt.Sprintf("/stages/s%d/steps/0/frm", bad)
		if len(errs) != 1 || errs[0].Path() != want {
			t.Errorf("stage %d bad: got %v, want one error at %s", bad, errs, want)
		}
	}
}
