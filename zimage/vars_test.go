package zimage

import (
	"testing"

	"github.com/zlayer/zlayer/plan"
)

func TestScanVars(t *testing.T) {
	tests := []struct {
		in    string
		names []string
		code  string
		ref   string
	}{
		{"plain", nil, "", ""},
		{"$A/${B}", []string{"A", "B"}, "", ""},
		{"${A:-${B}}x", []string{"A", "B"}, "", ""},
		{"${A+alt} ${A-d} ${A:+x}", []string{"A", "A", "A"}, "", ""},
		{`\$A $$ $ $1`, nil, "", ""},
		{"${A", nil, "ZI213", ""},
		{"${A:-${B}", nil, "ZI213", ""},
		{"${}", nil, "ZI214", "${}"},
		{"${A:?err}", nil, "ZI214", "${A:?err}"},
		{"${A#x}", nil, "ZI214", "${A#x}"},
		{"${1}", nil, "ZI214", "${1}"},
		{"${A:+${B/x/y}}", nil, "ZI214", "${B/x/y}"},
	}
	for _, tt := range tests {
		refs, prob := scanVars(tt.in)
		var names []string
		for _, r := range refs {
			names = append(names, r.Name)
		}
		switch {
		case tt.code == "" && prob != nil:
			t.Errorf("scanVars(%q) problem %+v", tt.in, *prob)
		case tt.code != "" && (prob == nil || prob.code != tt.code || prob.ref != tt.ref):
			t.Errorf("scanVars(%q) problem = %+v, want %s %q", tt.in, prob, tt.code, tt.ref)
		case tt.code == "" && len(names) != len(tt.names):
			t.Errorf("scanVars(%q) names = %v, want %v", tt.in, names, tt.names)
		}
		// The builder's expander must accept what validation accepts.
		if _, err := plan.ExpandZImage(tt.in, func(string) (string, bool) { return "", false }); (err == nil) != (prob == nil) && tt.code != "ZI214" {
			t.Errorf("plan.ExpandZImage(%q) error = %v, validation problem = %v", tt.in, err, prob)
		}
	}
}
