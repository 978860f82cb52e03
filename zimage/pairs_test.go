package zimage

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
)

// TestExamplePairs checks that ZLayer's two example ZImagefiles build what
// the Dockerfiles beside them build (corpus README), compared as planView
// compares plans. Besides the representation differences planView already
// ignores, the pairs differ in ways the spec allows; each is normalised
// below and nothing else is.
func TestExamplePairs(t *testing.T) {
	for _, name := range []string{"zimagefile-node", "zimagefile-rust"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(corpusDir, "examples", name)
			zsrc, err := os.ReadFile(filepath.Join(dir, "ZImagefile"))
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			dsrc, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			zf := Parse("ZImagefile", zsrc)
			if zf.HasErrors() {
				t.Fatalf("ZImagefile errors:\n%s", formatDiags(zf, zf.Diagnostics))
			}
			zp, err := zf.Plan()
			if err != nil {
				t.Fatal(err)
			}
			dp, diags := dockerfile.Parse("Dockerfile", dsrc).Plan()
			if diag.HasError(diags) {
				t.Fatalf("Dockerfile errors: %v", diags)
			}
			got, want := normalisePair(viewOf(zp)), normalisePair(viewOf(dp))
			if d := diffViews(got, want); d != "" {
				t.Errorf("the ZImagefile and the Dockerfile build different images:\n%s", d)
			}
		})
	}
}

var (
	// reSpaces is a run of blanks in a shell script.
	reSpaces = regexp.MustCompile(`[ \t]+`)
	// reShellWords is a script with no shell syntax: plain words only.
	reShellWords = regexp.MustCompile(`^[A-Za-z0-9_./:=@+-]+( [A-Za-z0-9_./:=@+-]+)*$`)
)

// normalisePair removes the differences between the example pairs that do
// not change the image:
//
//  1. A Dockerfile RUN continued over several lines keeps the indentation
//     of the continuation lines inside the script ("ca-certificates     &&
//     rm" in the rust example); the shell splits words on any run of
//     blanks, so runs of blanks are compared as one.
//  2. A ZImagefile's stage-level workdir applies before the stage's steps
//     (spec §9.4), while the rust Dockerfile's runtime stage sets
//     WORKDIR /app after its RUN and COPY steps. Those steps use only
//     absolute paths, so the working directory a step runs in is not
//     compared, only the WORKDIR step itself (the directory it creates and
//     its owner) and the final configuration.
//  3. The rust health check is an exec-form list in the ZImagefile and a
//     shell-form CMD in the Dockerfile; a shell script of plain words with
//     no shell syntax runs the same program with the same arguments, so
//     such a CMD-SHELL test is compared as the CMD list of its words.
func normalisePair(v planView) planView {
	for i := range v.Stages {
		st := &v.Stages[i]
		var steps []string
		for _, s := range st.Steps {
			if strings.HasPrefix(s, "RUN ") {
				s = reSpaces.ReplaceAllString(s, " ")
			}
			if strings.HasPrefix(s, "RUN ") || strings.HasPrefix(s, "COPY ") || strings.HasPrefix(s, "ADD ") {
				s = s[:strings.LastIndex(s, " workdir=")]
			}
			steps = append(steps, s)
		}
		st.Steps = workdirFirst(steps)
		for j, c := range st.Config {
			if h, ok := strings.CutPrefix(c, `healthcheck=["CMD-SHELL" "`); ok {
				script, rest, _ := strings.Cut(h, `"]`)
				if reShellWords.MatchString(script) {
					st.Config[j] = `healthcheck=["CMD" "` + strings.ReplaceAll(script, " ", `" "`) + `"]` + rest
				}
			}
		}
	}
	return v
}

// workdirFirst moves a stage's one WORKDIR step to the front (difference 2
// above); a stage with several keeps its order.
func workdirFirst(steps []string) []string {
	idx := -1
	for i, s := range steps {
		if strings.HasPrefix(s, "WORKDIR ") {
			if idx >= 0 {
				return steps
			}
			idx = i
		}
	}
	if idx <= 0 {
		return steps
	}
	out := append([]string{steps[idx]}, steps[:idx]...)
	return append(out, steps[idx+1:]...)
}
