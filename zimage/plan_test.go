package zimage

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

// dumpPlan renders a plan as stable text for golden files.
func dumpPlan(p *plan.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind %s\n", p.Kind)
	for _, a := range p.Args {
		fmt.Fprintf(&b, "global ARG %s default=%q has=%v %s\n", a.Name, a.Default, a.HasDefault, rng(a.Range))
	}
	for _, n := range p.Nested {
		fmt.Fprintf(&b, "nested owner=%s context=%q file=%q args=%v stage=%d %s\n", n.Owner, n.Context, n.File, n.Args, n.Stage, rng(n.Range))
	}
	for _, s := range p.Stages {
		fmt.Fprintf(&b, "stage %d name=%q base=%q platform=%q os=%q range=%s base@%s name@%s\n",
			s.Index, s.Name, s.Base, s.Platform, s.OS, rng(s.Range), rng(s.BaseRange), rng(s.NameRange))
		for _, in := range s.Instructions {
			var m map[string]any
			data, _ := json.Marshal(in)
			_ = json.Unmarshal(data, &m)
			delete(m, "Range")
			for k, v := range m {
				if v == nil || v == false || v == "" || v == 0.0 {
					delete(m, k)
				}
			}
			data, _ = json.Marshal(m)
			fmt.Fprintf(&b, "  %s %s %s\n", in.Keyword(), data, rng(in.Source()))
		}
	}
	return b.String()
}

func rng(r source.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Col, r.End.Line, r.End.Col)
}

// TestPlans converts the plan fixtures (the spec's worked examples among
// them) and compares the plans with their golden dumps.
func TestPlans(t *testing.T) {
	files, _ := filepath.Glob("testdata/plans/*.zimagefile")
	if len(files) == 0 {
		t.Fatal("no plan fixtures")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := Parse(filepath.Base(path), src)
			p, err := f.Plan()
			if err != nil {
				t.Fatalf("Plan: %v\n%s", err, formatDiags(f, f.Diagnostics))
			}
			golden(t, strings.TrimSuffix(path, ".zimagefile")+".golden", formatDiags(f, f.Diagnostics)+dumpPlan(p))
		})
	}
}
