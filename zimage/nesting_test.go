package zimage

import (
	"strconv"
	"strings"
	"testing"
)

// TestFlowNestingLimit checks that a deeply nested flow collection is
// refused with ZI001 at the bracket that goes too deep, before go-yaml
// spends quadratic time and memory on it, while brackets inside quoted
// scalars, comments and shallow nesting are left alone.
func TestFlowNestingLimit(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name, src string
		tooDeep   string // "line:col" of the ZI001, or "" for none
	}{
		{"megabytes of brackets", "base: alpine:3.20\nsteps: " + strings.Repeat("[", 3<<20) + "\n", "2:208"},
		{"deep but closed", "base: alpine:3.20\nlabels: {a: " + deep(250) + "}\n", "2:212"},
		{"braces count too", "base: alpine:3.20\nsteps: " + strings.Repeat("{a: ", 300) + "\n", "2:808"},
		{"shallow", "base: alpine:3.20\nlabels: {a: " + deep(150) + "}\n", ""},
		{"double-quoted", "base: alpine:3.20\nsteps:\n  - run: \"echo \\\" " + strings.Repeat("[", 300) + "\"\n", ""},
		{"single-quoted", "base: alpine:3.20\nsteps:\n  - run: 'echo '' " + strings.Repeat("{", 300) + "'\n", ""},
		{"comment", "base: alpine:3.20 # " + strings.Repeat("[", 300) + "\nsteps:\n  - run: echo\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse("ZImagefile", []byte(tt.src))
			got := ""
			for _, d := range f.Diagnostics {
				if d.Code == "ZI001" && d.Message == "document is nested too deeply" {
					got = rng(d.Range)
					got = got[:strings.Index(got, "-")]
				}
			}
			want := tt.tooDeep
			if want != "" {
				// The range has 0-based byte columns; the table has the
				// 1-based columns check prints (the text is ASCII).
				line, col, _ := strings.Cut(want, ":")
				n, _ := strconv.Atoi(col)
				want = line + ":" + strconv.Itoa(n-1)
			}
			if got != want {
				t.Errorf("nested-too-deeply error at %q, want %q\n%s", got, want, formatDiags(f, f.Diagnostics))
			}
		})
	}
}
