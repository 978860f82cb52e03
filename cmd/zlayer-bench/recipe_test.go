package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/zimage"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func recipes() map[string]*recipe {
	return map[string]*recipe{
		"large":     largeRecipe(),
		"typical":   typicalRecipe(0),
		"two-stage": twoStageRecipe(),
		"parallel":  parallelRecipe(1),
	}
}

// TestRecipesAreEquivalent checks that every recipe's ZImagefile and
// Dockerfile are valid and give the same stage plan: same stages, same
// bases, the same instructions in the same order.
func TestRecipesAreEquivalent(t *testing.T) {
	for name, r := range recipes() {
		t.Run(name, func(t *testing.T) {
			zf := zimage.Parse("ZImagefile", []byte(r.ZImagefile()))
			noErrors(t, "ZImagefile", zf.Diagnostics)
			zp, err := zf.Plan()
			if err != nil {
				t.Fatalf("ZImagefile plan: %v", err)
			}
			df := dockerfile.Parse("Dockerfile", []byte(r.Dockerfile()))
			noErrors(t, "Dockerfile", df.Diagnostics)
			dp, ds := df.Plan()
			noErrors(t, "Dockerfile plan", ds)
			if got, want := shape(zp), shape(dp); got != want {
				t.Errorf("plans differ\nZImagefile:\n%s\nDockerfile:\n%s", got, want)
			}
		})
	}
}

func noErrors(t *testing.T, what string, ds []diag.Diagnostic) {
	t.Helper()
	for _, d := range ds {
		if d.Severity == diag.Error {
			t.Errorf("%s: %d:%d: %s [%s]", what, d.Range.Start.Line, d.Range.Start.Col, d.Message, d.Code)
		}
	}
}

// shape lists a plan's stages and instruction kinds, one line per stage.
func shape(p *plan.Plan) string {
	var b strings.Builder
	for _, s := range p.Stages {
		fmt.Fprintf(&b, "%s FROM %s:", s.Name, s.Base)
		for _, in := range s.Instructions {
			fmt.Fprintf(&b, " %T", in)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestLargeRecipeHasAThousandSteps(t *testing.T) {
	if n := largeRecipe().Steps(); n != 1000 {
		t.Errorf("large recipe has %d steps, want 1000", n)
	}
	lines := strings.Count(typicalRecipe(0).ZImagefile(), "\n")
	if lines < 55 || lines > 70 {
		t.Errorf("typical ZImagefile has %d lines, want about 60", lines)
	}
}

// TestEditAndCompletionPoints checks that each language-server document has
// the edit marker once, and a step key or instruction to complete on its
// line.
func TestEditAndCompletionPoints(t *testing.T) {
	for _, name := range []string{"large", "typical"} {
		r := recipes()[name]
		for kind, text := range map[string]string{"ZImagefile": r.ZImagefile(), "Dockerfile": r.Dockerfile()} {
			if n := strings.Count(text, editMarker); n != 1 {
				t.Fatalf("%s %s: %d edit markers, want 1", name, kind, n)
			}
			line, col, ok := markerLine(text)
			if !ok {
				t.Fatalf("%s %s: no marker line", name, kind)
			}
			l := strings.Split(text, "\n")[line]
			if l[col:col+len(editMarker)] != editMarker {
				t.Errorf("%s %s: marker column %d is off in %q", name, kind, col, l)
			}
			c, ok := completionColumn(l)
			if !ok {
				t.Fatalf("%s %s: nothing to complete on %q", name, kind, l)
			}
			if got := strings.ToLower(l[c-1 : c+2]); got != "run" {
				t.Errorf("%s %s: completion at column %d of %q is not after the first letter of run", name, kind, c, l)
			}
		}
	}
}

// TestTypicalGolden pins the typical documents, so that a change of the
// workload shows up in review (go test -update rewrites them).
func TestTypicalGolden(t *testing.T) {
	r := typicalRecipe(0)
	golden(t, "typical.zimagefile", r.ZImagefile())
	golden(t, "typical.Dockerfile", r.Dockerfile())
	b := twoStageRecipe()
	golden(t, "two-stage.zimagefile", b.ZImagefile())
	golden(t, "two-stage.Dockerfile", b.Dockerfile())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s changed (go test -update rewrites it):\n%s", path, got)
	}
}
