package dockerfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/zlayer/zlayer/plan"
)

var reRanges = regexp.MustCompile(`(@|range=|base@|name@)\d+:\d+-\d+:\d+`)

// shapeOf is a plan dump without file name and ranges.
func shapeOf(p *plan.Plan) string {
	dump := dumpPlan(p)
	_, rest, _ := strings.Cut(dump, "\n")
	return reRanges.ReplaceAllString(rest, "")
}

// TestFormatRoundTrip formats the plan of every Dockerfile we have and
// checks that parsing the result gives the same plan.
func TestFormatRoundTrip(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/plans/*.Dockerfile")
	inputs = append(inputs, corpusFiles(t)...)
	for _, in := range inputs {
		src, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		if buildkitParse(src).err != nil {
			continue // only files BuildKit accepts have a complete plan
		}
		t.Run(strings.TrimPrefix(in, corpusDir+"/"), func(t *testing.T) {
			p, errs := Parse(in, src).Plan()
			if len(errs) > 0 {
				t.Fatalf("plan errors: %v", errs)
			}
			out, err := Format(p)
			if err != nil {
				t.Fatal(err)
			}
			again := Parse("formatted", out)
			if codes := errorCodes(again); codes != "" {
				t.Fatalf("formatted Dockerfile has errors %s:\n%s", codes, out)
			}
			p2, _ := again.Plan()
			if got, want := shapeOf(p2), shapeOf(p); got != want {
				t.Errorf("round trip changed the plan:\n%s\nformatted:\n%s\nwant:\n%s", got, out, want)
			}
		})
	}
}

func errorCodes(f *File) string {
	var out []string
	for _, d := range f.Diagnostics {
		if d.Severity.String() == "error" {
			out = append(out, d.Code+" "+d.Message)
		}
	}
	return strings.Join(out, "; ")
}

// zimagePlan is a plan as the ZImagefile front end builds it: plain
// values that need quoting, a transient run environment, copies from a
// stage's working directory and a nested build.
func zimagePlan() *plan.Plan {
	return &plan.Plan{
		File: "app/ZImagefile", Kind: "zimagefile",
		Args: []*plan.Arg{{Name: "GO_VERSION", Default: "1.22", HasDefault: true}, {Name: "EMPTY"}},
		Stages: []*plan.Stage{{
			Index: 0, Name: "compile", Base: "golang:${GO_VERSION}-alpine",
			Instructions: []plan.Instruction{
				&plan.Arg{Name: "GO_VERSION"},
				&plan.Workdir{Path: "/src"},
				&plan.Env{Pairs: []plan.KeyValue{{Key: "GREETING", Value: `say "hi" \ there`}, {Key: "PRICE", Value: `\$5 for ${ITEM}`}}},
				&plan.Run{Args: []string{"go mod download"}, ShellForm: true,
					Mounts: []plan.Mount{{Type: "cache", Target: "/go/pkg/mod", ID: "/go/pkg/mod", Sharing: "shared"}}},
				&plan.Run{Args: []string{`go build -o "$OUT" .`}, ShellForm: true,
					Env: []plan.KeyValue{{Key: "OUT", Value: "/out/my app"}, {Key: "CGO_ENABLED", Value: "0"}}},
				&plan.Workdir{Path: "out"},
			},
		}, {
			Index: 1, Name: "image", Base: "builder-image", Platform: "linux/arm64",
			Instructions: []plan.Instruction{
				&plan.Copy{From: "compile", FromStageWorkdir: true, Sources: []string{"my app", "/abs/file", "sub/"}, Dest: "/usr/local/bin/"},
				&plan.Copy{From: "image-from-registry", FromStageWorkdir: true, Sources: []string{"rel"}, Dest: "/x"},
			},
		}, {
			Index: 2, Name: "final", Base: "alpine:3.20",
			Instructions: []plan.Instruction{
				&plan.Copy{From: "image", FromStageWorkdir: true, Sources: []string{"app"}, Dest: "/app", Chown: "app:app", Chmod: "755"},
				&plan.Run{Args: []string{"/bin/true", "x y"}, Env: []plan.KeyValue{{Key: "A", Value: "1"}}},
				&plan.Label{Pairs: []plan.KeyValue{{Key: "org.example.desc", Value: "two words"}}},
				&plan.Expose{Ports: []string{"8080/tcp"}},
				&plan.User{User: "app"},
				&plan.Volume{Paths: []string{"/data", "/my data"}},
				&plan.Healthcheck{Test: []string{"CMD", "curl", "-f", "http://localhost/"}, Interval: 30 * time.Second, Retries: 3},
				&plan.StopSignal{Signal: "SIGINT"},
				&plan.Command{Entrypoint: true, Args: []string{"/app"}},
				&plan.Command{Args: []string{"node server.js"}, ShellForm: true},
			},
		}},
		Nested: []*plan.Nested{{Owner: "image", Context: "./builder", File: "ZImagefile", Stage: 1}},
	}
}

func TestFormatZImagefilePlan(t *testing.T) {
	p := zimagePlan()
	out, err := Format(p)
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/format/zimagefile.golden"
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(out) != string(want) {
		t.Errorf("Format differs from %s (run go test -update after checking):\n%s", golden, out)
	}
	f := Parse("Dockerfile", out)
	if len(f.Diagnostics) > 0 {
		t.Fatalf("formatted Dockerfile has diagnostics %s:\n%s", codes(f), out)
	}
	// The quoted values mean what the ZImagefile said once BuildKit's
	// shell lexer has read them (variables left as they are).
	env := f.Stages[0].Instructions[2].Command.(*instructions.EnvCommand)
	lex := shell.NewLex('\\')
	lex.SkipUnsetEnv = true
	for i, want := range []string{`say "hi" \ there`, `$5 for ${ITEM}`} {
		got, _, err := lex.ProcessWord(env.Env[i].Value, noEnv{})
		if err != nil || got != want {
			t.Errorf("ENV %s reads as %q (%v), want %q", env.Env[i].Key, got, err, want)
		}
	}
	copies := f.Stages[1].Instructions[0].Command.(*instructions.CopyCommand)
	if strings.Join(copies.SourcePaths, "|") != "/src/out/my app|/abs/file|/src/out/sub/" {
		t.Errorf("sources from stage compile: %q", copies.SourcePaths)
	}
}

func TestFormatErrors(t *testing.T) {
	if _, err := Format(nil); err == nil {
		t.Error("Format(nil) succeeded")
	}
	p := &plan.Plan{Kind: "dockerfile", Stages: []*plan.Stage{{Base: "x", Instructions: []plan.Instruction{unknownInstruction{}}}}}
	if _, err := Format(p); err == nil || !strings.Contains(err.Error(), "stage-0") {
		t.Errorf("Format(unknown instruction) error = %v, want one naming the stage", err)
	}
}

type unknownInstruction struct{ plan.At }

func (unknownInstruction) Keyword() string { return "FROBNICATE" }
