package zimage

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// sharedCorpus is the whole shared corpus (see its README).
const sharedCorpus = "../../shared/corpus"

// roundTripInputs lists the BuildKit parser corpus, ZLayer's example
// Dockerfiles and testdata/roundtrip.
func roundTripInputs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"buildkit-parser/testfiles/*/Dockerfile",
		"buildkit-parser/testfile-line/Dockerfile",
		"zlayer/examples/*/Dockerfile",
	} {
		m, _ := filepath.Glob(filepath.Join(sharedCorpus, pattern))
		files = append(files, m...)
	}
	if len(files) < 30 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("found %d corpus Dockerfiles under %s", len(files), sharedCorpus)
		}
		t.Skipf("corpus missing: %d Dockerfiles under %s", len(files), sharedCorpus)
	}
	// Cases the corpus lacks: instructions whose place a ZImagefile
	// changes, unnamed stages, the escape directive, platform and config.
	own, _ := filepath.Glob("testdata/roundtrip/*.Dockerfile")
	return append(files, own...)
}

// reRefusal is one line of Format's error: the file, the line of the
// instruction, its keyword and the reason.
var reRefusal = regexp.MustCompile(`^(.+):(\d+): ([A-Z]+): (.+)$`)

// TestRoundTripDockerfiles converts every corpus Dockerfile that has a
// plan to a ZImagefile and checks that the ZImagefile builds what the
// Dockerfile builds (see planView for what is compared). Where the
// ZImagefile format cannot express the Dockerfile, the error must name each
// offending instruction's line and keyword and say why.
func TestRoundTripDockerfiles(t *testing.T) {
	converted, refused := 0, 0
	for _, path := range roundTripInputs(t) {
		name := strings.TrimPrefix(path, sharedCorpus+"/")
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := os.ReadFile(filepath.Join(filepath.Dir(path), "result")); err == nil && strings.HasPrefix(string(res), "error") {
			continue // BuildKit rejects the file; the dockerfile tests cover it
		}
		df := dockerfile.Parse(name, src)
		p, diags := df.Plan()
		if diag.HasError(diags) || diag.HasError(df.Diagnostics) || len(p.Stages) == 0 {
			continue // no complete plan: BuildKit's instruction parser rejects it
		}
		t.Run(name, func(t *testing.T) {
			out, err := Format(p)
			if err != nil {
				refused++
				checkRefusal(t, df.Source, name, err.Error())
				return
			}
			want := viewOf(p)
			if len(want.Errors) > 0 {
				// BuildKit's shell lexer rejects a value, so the Dockerfile
				// does not build and there is nothing to compare with.
				t.Skipf("the Dockerfile does not build: %v", want.Errors)
			}
			converted++
			zf := Parse("converted.zimagefile", out)
			if zf.HasErrors() {
				t.Fatalf("converted ZImagefile has errors:\n%s\n%s", formatDiags(zf, zf.Diagnostics), out)
			}
			p2, err := zf.Plan()
			if err != nil {
				t.Fatalf("plan of the converted ZImagefile: %v\n%s", err, out)
			}
			if d := diffViews(viewOf(p2), want); d != "" {
				t.Errorf("the converted ZImagefile builds something else:\n%s\nZImagefile:\n%s", d, out)
			}
		})
	}
	t.Logf("%d Dockerfiles converted and compared, %d refused with a reason", converted, refused)
	if converted < 20 {
		t.Errorf("only %d corpus Dockerfiles converted; the round trip covers too little", converted)
	}
}

// checkRefusal asserts that every line of a Format error names the file,
// a line that holds the named instruction, and a reason.
func checkRefusal(t *testing.T, sf *source.File, name, msg string) {
	t.Helper()
	for _, line := range strings.Split(msg, "\n") {
		m := reRefusal.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("refusal %q does not read FILE:LINE: INSTRUCTION: reason", line)
			continue
		}
		if m[1] != name {
			t.Errorf("refusal %q names file %q, want %q", line, m[1], name)
		}
		n, _ := strconv.Atoi(m[2])
		if n < 1 || n > sf.LineCount() {
			t.Errorf("refusal %q: line %d is outside the file", line, n)
			continue
		}
		text := strings.ToUpper(strings.TrimSpace(sf.LineText(n)))
		if !strings.HasPrefix(text, m[3]) && !strings.HasPrefix(text, "ONBUILD") {
			t.Errorf("refusal %q: line %d is %q, not a %s instruction", line, n, sf.LineText(n), m[3])
		}
		t.Logf("refused: %s", line)
	}
}

// TestRoundTripRefusals checks the refusal message for each kind of
// instruction a ZImagefile cannot express, and that the line is the
// instruction's even when an earlier instruction spans several lines.
func TestRoundTripRefusals(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"tmpfs after a continued RUN", "FROM a\nRUN echo \\\n  one\nRUN --mount=type=tmpfs,target=/t true\n",
			"Dockerfile:4: RUN: a ZImagefile can only mount caches, not --mount=type=tmpfs"},
		{"ssh mount", "FROM a\nRUN --mount=type=ssh ssh-add -l\n", "Dockerfile:2: RUN: a ZImagefile can only mount caches, not --mount=type=ssh"},
		{"security", "FROM a\nRUN --security=insecure true\n", "Dockerfile:2: RUN: a ZImagefile cannot set the security mode of a run step (--security=insecure)"},
		{"cache mount from a stage", "FROM a AS b\nFROM a\nRUN --mount=type=cache,target=/c,from=b true\n",
			"Dockerfile:3: RUN: a ZImagefile cache mount has only target, id, sharing and readonly"},
		{"copy heredoc", "FROM a\nCOPY <<EOF /x\nhi\nEOF\n", "Dockerfile:2: COPY: a ZImagefile has no heredocs"},
		{"add checksum", "FROM a\nADD --checksum=sha256:0000 https://e.x/f /f\n", "Dockerfile:2: ADD: a ZImagefile copy has no --link, --parents, --exclude, --checksum or --keep-git-dir"},
		{"copy exclude", "FROM a\nCOPY --exclude=*.md . /src\n", "Dockerfile:2: COPY: a ZImagefile copy has no"},
		{"port range", "FROM a\nEXPOSE 8000-8010\n", "Dockerfile:2: EXPOSE: port \"8000-8010\" cannot be written in a ZImagefile"},
		{"start interval", "FROM a\nHEALTHCHECK --start-interval=1s CMD true\n", "Dockerfile:2: HEALTHCHECK: a ZImagefile health check has no start interval"},
		{"arg twice", "FROM a\nARG X=1\nARG X=2\n", "Dockerfile:3: ARG: argument X is declared twice in the stage"},
		{"arg used before it is declared", "FROM a\nRUN echo $V\nARG V=1\n",
			"Dockerfile:3: ARG: a ZImagefile declares stage args before the steps, which would change what line 2 does; move the ARG up"},
		{"arg default from an earlier env", "FROM a\nENV A=1\nARG B=${A}x\n",
			"Dockerfile:3: ARG: a ZImagefile declares stage args before the steps, which would change what line 2 does"},
		{"label before its variable changes", "FROM a\nENV V=one\nLABEL v=$V\nENV V=two\n",
			"Dockerfile:3: LABEL: a ZImagefile applies it after the steps, where line 4 has changed a variable it uses"},
		{"volume before an arg", "FROM a\nVOLUME /data/${D}\nARG D=x\n",
			"Dockerfile:2: VOLUME: a ZImagefile applies it after the steps, where line 3 has changed a variable it uses"},
		{"two at once", "FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nRUN true\nONBUILD RUN true\n",
			"Dockerfile:2: SHELL: a ZImagefile has no SHELL; write the shell into run commands instead\nDockerfile:4: ONBUILD: a ZImagefile has no ONBUILD triggers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			df := dockerfile.Parse("Dockerfile", []byte(tt.src))
			p, diags := df.Plan()
			if diag.HasError(diags) {
				t.Fatalf("Dockerfile errors: %v", diags)
			}
			_, err := Format(p)
			if err == nil {
				t.Fatalf("Format accepted\n%s", tt.src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Format error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
			checkRefusal(t, df.Source, "Dockerfile", err.Error())
		})
	}
}
