package zimage

import (
	"slices"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/source"
)

const pointerDoc = `stages:
  builder:
    base: golang
    steps:
      - copy: go.mod
        to: /src
      - run: |
          go build
          go test
    ste
  final:
    base: alpine
    env: {A: "1", B: "2"}

    steps:
      - run: make
        
`

// posOf finds the position of the n-th (1-based) occurrence of marker in the
// document, plus offset bytes.
func posOf(t *testing.T, f *File, marker string, offset int) source.Pos {
	t.Helper()
	i := strings.Index(string(f.Source.Text), marker)
	if i < 0 {
		t.Fatalf("marker %q not found", marker)
	}
	return f.Source.PosAt(i + offset)
}

// TestPointerAt checks the pointer under the cursor, on the recovered AST
// of a broken file (the half-typed key "ste").
func TestPointerAt(t *testing.T) {
	f := Parse("ZImagefile", []byte(pointerDoc))
	if len(f.Diagnostics) == 0 || f.Diagnostics[0].Code != "ZI001" {
		t.Fatalf("expected a syntax error first, got %v", f.Diagnostics)
	}
	tests := []struct {
		marker string
		offset int
		want   string
	}{
		{"stages:", 2, "stages"},
		{"builder:", 0, "stages/builder"},
		{"golang", 3, "stages/builder/base"},
		{"copy: go.mod", 0, "stages/builder/steps/0/copy"},
		{"go.mod", 2, "stages/builder/steps/0/copy"},
		{"to: /src", 5, "stages/builder/steps/0/to"},
		{"go test", 3, "stages/builder/steps/1/run"},
		{"    ste\n", 7, "stages/builder"}, // the half-typed key: its mapping
		{"A: \"1\"", 4, "stages/final/env/A"},
		{"B: \"2\"", 0, "stages/final/env/B"},
		{"\n\n    steps:", 1, "stages/final"}, // blank line inside the stage
		{"make\n", 4, "stages/final/steps/0/run"},
		{"make\n        \n", 13, "stages/final/steps/0"}, // the next line, indented like the step's keys
	}
	for _, tt := range tests {
		pos := posOf(t, f, tt.marker, tt.offset)
		got := strings.Join(f.PointerAt(pos), "/")
		if got != tt.want {
			t.Errorf("PointerAt(%q+%d) at %v = %q, want %q", tt.marker, tt.offset, pos, got, tt.want)
		}
	}
}

// TestLookup checks key and value ranges of nodes by pointer.
func TestLookup(t *testing.T) {
	f := Parse("ZImagefile", []byte(pointerDoc))
	tests := []struct {
		ptr      string
		key, val string // the source text of the ranges
		ok       bool
	}{
		{"stages/builder/base", "base", "golang", true},
		{"stages/builder/steps/0/to", "to", "/src", true},
		{"stages/builder/steps/1/run", "run", "|\n          go build\n          go test", true},
		{"stages/final/env", "env", `{A: "1", B: "2"}`, true},
		{"stages/final/env/B", "B", `"2"`, true},
		{"stages/builder/steps/0", "", "copy: go.mod\n        to: /src", true},
		{"stages/final/nope", "final", "", false},
	}
	for _, tt := range tests {
		k, v, ok := f.Lookup(strings.Split(tt.ptr, "/"))
		if ok != tt.ok {
			t.Errorf("Lookup(%s) ok = %v", tt.ptr, ok)
			continue
		}
		if got := srcText(f, k); got != tt.key {
			t.Errorf("Lookup(%s) key = %q, want %q", tt.ptr, got, tt.key)
		}
		if got := srcText(f, v); ok && got != tt.val {
			t.Errorf("Lookup(%s) value = %q, want %q", tt.ptr, got, tt.val)
		}
	}
}

func srcText(f *File, r source.Range) string {
	return string(f.Source.Text[f.Source.Offset(r.Start):f.Source.Offset(r.End)])
}

// TestVariablesAndStages checks the names offered at a position.
func TestVariablesAndStages(t *testing.T) {
	src := `args:
  GO: "1.22"
stages:
  build:
    base: golang:${GO}
    args:
      GO: ""
    env:
      CGO_ENABLED: "0"
    steps:
      - env:
          GOOS: linux
      - run: go build
      - env:
          LATER: x
  final:
    base: alpine
    steps:
      - copy: /app
        from: build
        to: /app
`
	f := Parse("ZImagefile", []byte(src))
	if f.HasErrors() {
		t.Fatalf("unexpected errors: %v", f.Diagnostics)
	}
	base := f.Variables(posOf(t, f, "golang:", 3))
	if !slices.Contains(base, "GO") || !slices.Contains(base, "TARGETARCH") || slices.Contains(base, "CGO_ENABLED") {
		t.Errorf("variables in base = %v", base)
	}
	run := f.Variables(posOf(t, f, "go build", 2))
	if want := []string{"GO", "CGO_ENABLED", "GOOS"}; !slices.Equal(run, want) {
		t.Errorf("variables in run = %v, want %v", run, want)
	}
	if got := f.StageNamesBefore(posOf(t, f, "from: build", 7)); !slices.Equal(got, []string{"build"}) {
		t.Errorf("stage names = %v", got)
	}
	if got := f.StageNamesBefore(posOf(t, f, "golang", 0)); len(got) != 0 {
		t.Errorf("stage names in the first stage = %v", got)
	}
}

// TestStageAndStepRanges checks the ranges the language server shows.
func TestStageAndStepRanges(t *testing.T) {
	f := Parse("ZImagefile", []byte(pointerDoc))
	if len(f.Stages) != 2 {
		t.Fatalf("stages = %d", len(f.Stages))
	}
	b := f.Stages[0]
	if got := srcText(f, b.NameRange); got != "builder" {
		t.Errorf("name range = %q", got)
	}
	if got := srcText(f, b.Base.Range); got != "golang" {
		t.Errorf("base range = %q", got)
	}
	if got := srcText(f, b.Steps[0].Range); got != "copy: go.mod\n        to: /src" {
		t.Errorf("step range = %q", got)
	}
	if b.Steps[1].Action != "run" || srcText(f, b.Steps[1].ActionRange) != "run" {
		t.Errorf("step 2 action = %q at %q", b.Steps[1].Action, srcText(f, b.Steps[1].ActionRange))
	}
	if !strings.HasPrefix(srcText(f, b.Range), "builder:") || !strings.HasSuffix(srcText(f, b.Range), "go test") {
		t.Errorf("stage range = %q", srcText(f, b.Range))
	}
}

func TestIsZImagefileName(t *testing.T) {
	for name, want := range map[string]bool{
		"ZImagefile": true, "ZImagefile.prod": true, "web.zimagefile": true,
		"ZImagefile.": false, ".zimagefile": false, "zimagefile": false, "Dockerfile": false,
		"ZImagefile.yml": true, "app.yaml": false, "ZImageFile": false,
	} {
		if got := IsZImagefileName(name); got != want {
			t.Errorf("IsZImagefileName(%q) = %v", name, got)
		}
	}
}

// TestRelated checks the related positions of ZI005, ZI103 and ZI107.
func TestRelated(t *testing.T) {
	src := "base: a\nbuild: b\nenv:\n  A: x\n  A: y\nsteps:\n  - run: x\n    user: y\n"
	f := Parse("ZImagefile", []byte(src))
	want := map[string]string{"ZI005": "A", "ZI103": "base", "ZI107": "run"}
	for _, d := range f.Diagnostics {
		w, ok := want[d.Code]
		if !ok {
			continue
		}
		delete(want, d.Code)
		if len(d.Related) != 1 || srcText(f, d.Related[0].Range) != w || d.Related[0].File != "ZImagefile" {
			t.Errorf("%s related = %+v, want one at %q", d.Code, d.Related, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing diagnostics %v in %v", want, f.Diagnostics)
	}
}
