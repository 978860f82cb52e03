package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExpandZImage(t *testing.T) {
	vars := map[string]string{"A": "a", "EMPTY": "", "V": "1.22"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	tests := []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"$A-${A}", "a-a"},
		{"golang:${V}-alpine", "golang:1.22-alpine"},
		{"${UNSET}x", "x"},
		{"${UNSET:-def}", "def"},
		{"${EMPTY:-def}", "def"},
		{"${EMPTY-def}", ""},
		{"${UNSET-def}", "def"},
		{"${A:+alt}", "alt"},
		{"${EMPTY:+alt}", ""},
		{"${EMPTY+alt}", "alt"},
		{"${UNSET+alt}", ""},
		{"${UNSET:-${A}b}", "ab"},
		{`\$A`, "$A"},
		{"$$", "$$"},
		{"cost $5", "cost $5"},
		{`a\b`, `a\b`},
		{"it's \"quoted\"", "it's \"quoted\""},
	}
	for _, tt := range tests {
		got, err := ExpandZImage(tt.in, lookup)
		if err != nil || got != tt.want {
			t.Errorf("ExpandZImage(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestExpandZImageErrors(t *testing.T) {
	lookup := func(string) (string, bool) { return "", false }
	for _, in := range []string{"${A", "x${A:-${B}"} {
		if _, err := ExpandZImage(in, lookup); !errors.Is(err, ErrUnterminated) {
			t.Errorf("ExpandZImage(%q) error = %v, want ErrUnterminated", in, err)
		}
	}
	for in, ref := range map[string]string{"${A:?x}": "${A:?x}", "a${}b": "${}", "${A#x}": "${A#x}"} {
		_, err := ExpandZImage(in, lookup)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.Reference != ref {
			t.Errorf("ExpandZImage(%q) error = %v, want unsupported %q", in, err, ref)
		}
	}
}

func TestZImageReferences(t *testing.T) {
	tests := []struct {
		in      string
		refs    string // name@start-end, "!" for guarded
		problem string
	}{
		{"plain", "", ""},
		{"$A/${B}", "A@0-2 B@3-7", ""},
		{"${A:-${B}}x", "A@0-10! B@5-9!", ""},
		{"${A+alt} $C", "A@0-8! C@9-11", ""},
		{`\$A $$ $ $1`, "", ""},
		{"${A", "", "unterminated"},
		{"${A:-${B}", "", "unterminated"},
		{"${}", "", "${}"},
		{"${A:?err}", "", "${A:?err}"},
		{"${1}", "", "${1}"},
		{"${A:+${B/x/y}}", "", "${B/x/y}"},
	}
	for _, tt := range tests {
		refs, err := ZImageReferences(tt.in)
		var got []string
		for _, r := range refs {
			s := fmt.Sprintf("%s@%d-%d", r.Name, r.Start, r.End)
			if r.Guarded {
				s += "!"
			}
			got = append(got, s)
		}
		problem := ""
		var ue *UnsupportedError
		switch {
		case errors.Is(err, ErrUnterminated):
			problem = "unterminated"
		case errors.As(err, &ue):
			problem = ue.Reference
		}
		if problem != tt.problem || err == nil && strings.Join(got, " ") != tt.refs {
			t.Errorf("ZImageReferences(%q) = %v, %v; want %q, %q", tt.in, got, err, tt.refs, tt.problem)
		}
		// The expander accepts exactly what the scanner accepts.
		if _, xerr := ExpandZImage(tt.in, func(string) (string, bool) { return "", false }); (xerr == nil) != (err == nil) && !strings.Contains(tt.in, ":+") {
			t.Errorf("ExpandZImage(%q) error = %v, scanner error = %v", tt.in, xerr, err)
		}
	}
}

func TestDockerfileReferences(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`$A "${B}" '$C' \$D`, "A B"},
		{"${A:-$B} ${C?x}", "A! B! C"},
		{"${A", "A"},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range DockerfileReferences(tt.in, '\\') {
			s := r.Name
			if r.Guarded {
				s += "!"
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("DockerfileReferences(%q) = %v, want %s", tt.in, got, tt.want)
		}
	}
}
