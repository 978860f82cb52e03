package dockerfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// corpusDir is the shared corpus of real-world inputs (see its README).
const corpusDir = "../../shared/corpus"

func corpusFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"buildkit-parser/testfiles/*/Dockerfile",
		"buildkit-parser/testfile-line/Dockerfile",
		"zlayer/examples/*/Dockerfile",
	} {
		m, err := filepath.Glob(filepath.Join(corpusDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 30 {
		t.Fatalf("found %d corpus Dockerfiles under %s, want the whole corpus", len(files), corpusDir)
	}
	return files
}

// TestCorpus parses every corpus Dockerfile and checks it against
// BuildKit: same instructions, flags and arguments, no false error, and a
// plan with BuildKit's stages and instructions wherever BuildKit's
// instruction parser accepts the file.
func TestCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := strings.TrimPrefix(path, corpusDir+"/")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := os.ReadFile(filepath.Join(filepath.Dir(path), "result")); err == nil && strings.HasPrefix(string(res), "error") {
				t.Skip("BuildKit expects an error")
			}
			f := Parse(name, src)
			bk := buildkitParse(src)
			for _, p := range checkAgainstBuildKit(f, bk) {
				t.Error(p)
			}
			if bk.err != nil {
				return
			}
			pl, errs := f.Plan()
			if len(errs) > 0 {
				t.Fatalf("plan errors: %v", errs)
			}
			if len(pl.Stages) != len(bk.stages) {
				t.Fatalf("plan has %d stages, BuildKit %d", len(pl.Stages), len(bk.stages))
			}
			if len(pl.Args) != countArgs(bk.metaArgs) {
				t.Errorf("plan has %d global args, BuildKit %d", len(pl.Args), countArgs(bk.metaArgs))
			}
			for i, st := range bk.stages {
				if want := countCommands(st.Commands); len(pl.Stages[i].Instructions) != want {
					t.Errorf("stage %d: %d plan instructions, BuildKit %d commands", i, len(pl.Stages[i].Instructions), want)
				}
				if pl.Stages[i].Base != st.BaseName || pl.Stages[i].Name != st.Name || pl.Stages[i].Platform != st.Platform {
					t.Errorf("stage %d: base %q name %q platform %q, BuildKit %q %q %q", i,
						pl.Stages[i].Base, pl.Stages[i].Name, pl.Stages[i].Platform, st.BaseName, st.Name, st.Platform)
				}
			}
		})
	}
}

func countArgs(args []instructions.ArgCommand) int {
	n := 0
	for _, a := range args {
		n += len(a.Args)
	}
	return n
}

// countCommands counts BuildKit commands as plan instructions: an ARG
// with several names gives one plan Arg per name.
func countCommands(cmds []instructions.Command) int {
	n := 0
	for _, c := range cmds {
		if a, ok := c.(*instructions.ArgCommand); ok {
			n += len(a.Args)
			continue
		}
		n++
	}
	return n
}
