package plan

import (
	"errors"
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

func TestReferences(t *testing.T) {
	got := References("${A:-$B}/$C${D:+${E}}")
	want := []string{"A", "B", "C", "D", "E"}
	if len(got) != len(want) {
		t.Fatalf("References = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("References = %v, want %v", got, want)
		}
	}
}
