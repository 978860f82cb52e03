package dockerfile

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// dumpPlan renders a plan as readable text: one line per stage and
// instruction with its range and its non-empty fields.
func dumpPlan(p *plan.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %s kind=%s escape=%q\n", p.File, p.Kind, p.Escape)
	for _, a := range p.Args {
		fmt.Fprintf(&b, "global %s\n", dumpInstruction(a))
	}
	for _, st := range p.Stages {
		fmt.Fprintf(&b, "stage %d name=%q base=%q platform=%q range=%s base@%s name@%s\n", st.Index, st.Name,
			st.Base, st.Platform, rangeText(st.Range), rangeText(st.BaseRange), rangeText(st.NameRange))
		for _, ins := range st.Instructions {
			fmt.Fprintf(&b, "  %s\n", dumpInstruction(ins))
		}
	}
	return b.String()
}

func rangeText(r source.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Col, r.End.Line, r.End.Col)
}

func dumpInstruction(ins plan.Instruction) string {
	v := reflect.ValueOf(ins).Elem()
	parts := []string{ins.Keyword(), "@" + rangeText(ins.Source())}
	for i := 0; i < v.NumField(); i++ {
		f, fv := v.Type().Field(i), v.Field(i)
		if f.Name == "At" || fv.IsZero() {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%s", f.Name, dumpValue(fv)))
	}
	return strings.Join(parts, " ")
}

func dumpValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	case reflect.Slice:
		var items []string
		for i := 0; i < v.Len(); i++ {
			items = append(items, dumpValue(v.Index(i)))
		}
		return "[" + strings.Join(items, " ") + "]"
	case reflect.Struct:
		var fields []string
		for i := 0; i < v.NumField(); i++ {
			if !v.Field(i).IsZero() {
				fields = append(fields, v.Type().Field(i).Name+"="+dumpValue(v.Field(i)))
			}
		}
		return "{" + strings.Join(fields, " ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

// TestPlanGolden converts the test Dockerfiles and ZLayer's two example
// Dockerfiles and compares the plans with golden dumps.
func TestPlanGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/plans/*.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob(filepath.Join(corpusDir, "zlayer/examples/*/Dockerfile"))
	if len(examples) != 2 {
		t.Fatalf("found %d ZLayer example Dockerfiles, want 2", len(examples))
	}
	for _, in := range append(inputs, examples...) {
		golden := strings.TrimSuffix(in, ".Dockerfile") + ".golden"
		if filepath.Base(in) == "Dockerfile" {
			golden = filepath.Join("testdata/plans", "zlayer-"+filepath.Base(filepath.Dir(in))+".golden")
		}
		t.Run(filepath.Base(golden), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			f := Parse(filepath.Base(in), src)
			p, errs := f.Plan()
			if len(errs) > 0 {
				t.Fatalf("plan errors: %v", errs)
			}
			got := dumpPlan(p)
			for _, d := range f.Diagnostics {
				got += fmt.Sprintf("diagnostic %s %s %s: %s\n", rangeText(d.Range), d.Severity, d.Code, d.Message)
			}
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("plan differs from %s (run go test -update after checking):\n%s", golden, got)
			}
		})
	}
}
