package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runCLI runs zlayer with args as main does: every command, the same flag
// error handling, and the error printed to stderr as "zlayer: ...". It
// returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := &cobra.Command{Use: "zlayer", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(commands()...)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: 2, err: err}
	})
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		code = 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if err.Error() != "" {
			fmt.Fprintln(&errOut, "zlayer:", err)
		}
	}
	return out.String(), errOut.String(), code
}

// TestCheckBadInput feeds `zlayer check` the bad input of issue 2 and
// checks the exit code and the file:line:col lines a user reads. Nothing
// may panic (a panic fails the test binary).
func TestCheckBadInput(t *testing.T) {
	tests := []struct {
		name, file, content string
		code                int
		want                []string // lines that must be printed, in order
		not                 []string // text that must not appear
	}{
		{name: "malformed YAML", file: "a.zimagefile",
			content: "stages:\n  a:\n    base: [alpine\n    steps:\n      - run: x\n", code: 1,
			want: []string{"a.zimagefile:4:5: error: ',' or ']' must be specified [ZI001]"}},
		{name: "YAML tab indentation keeps later errors", file: "b.zimagefile",
			content: "base: alpine:3\nsteps:\n\t- run: x\nuser: [1\n", code: 1,
			want: []string{"b.zimagefile:3:1: error:", "b.zimagefile:4:7: error:"}},
		{name: "Dockerfile syntax, all errors at once", file: "Dockerfile",
			content: "FROM alpine:3\nRUN --mount=type=bogus,target=/x true\nCOPY --frm=x a b\nFROM\n", code: 1,
			want: []string{
				`Dockerfile:2:13: error: RUN --mount: unsupported mount type "bogus", expected one of bind, cache, tmpfs, secret, ssh [DF006]`,
				"Dockerfile:3:6: error: COPY: unknown flag: --frm (did you mean from?) [DF003]",
				"Dockerfile:4:1: error: FROM: FROM requires either one or three arguments [DF003]",
			}},
		{name: "unknown instruction", file: "Dockerfile", content: "FROMM alpine\nRUN x\n", code: 1,
			want: []string{"Dockerfile:1:1: error: unknown instruction: FROMM (did you mean FROM?) [DF002]"}},
		{name: "unterminated heredoc", file: "Dockerfile", content: "FROM alpine:3\nRUN <<EOF\necho\n", code: 1,
			want: []string{"Dockerfile:2:1: error: unterminated heredoc [DF001]"}},
		{name: "unknown key with did you mean", file: "c.zimagefile",
			content: "stages:\n  a:\n    base: alpine:3\n    steps:\n      - run: x\n        cahce: []\n", code: 1,
			want: []string{
				"c.zimagefile:6:9: error: unknown field `cahce`, expected one of `run`, `copy`, `add`, `env`, `workdir`, `user`, `to`, `from`, `owner`, `chmod`, `cache` [ZI003]",
				"c.zimagefile:6:9: note: did you mean `cache`?",
			}},
		{name: "unknown key with nothing close", file: "d.zimagefile",
			content: "base: alpine:3\nfrobnicate: 1\n", code: 1,
			want: []string{"d.zimagefile:2:1: error: unknown field `frobnicate`, expected one of"},
			not:  []string{"did you mean"}},
		{name: "wrong types", file: "e.zimagefile",
			content: "stages:\n  a:\n    base: alpine:3\n    steps: \"run x\"\n    expose: {a: 1}\n", code: 1,
			want: []string{
				`e.zimagefile:4:12: error: invalid type: string "run x", expected a list of steps [ZI006]`,
				"e.zimagefile:5:13: error: invalid type: map, expected a port number or a list of port specs [ZI006]",
			}},
		{name: "unknown stage", file: "f.zimagefile",
			content: "stages:\n  builder:\n    base: alpine:3\n  app:\n    base: alpine:3\n    steps:\n      - copy: x\n        from: buidler\n        to: /x\n",
			want:    []string{"f.zimagefile:8:15: warning: stage 'app', step 1: 'buidler' is not a stage and will be used as an image; did you mean stage 'builder'? [ZI203]"}},
		{name: "unknown Dockerfile stage", file: "Dockerfile",
			content: "FROM alpine:3 AS build\nFROM alpine:3\nCOPY --from=biuld /x /x\n", code: 1,
			want: []string{`Dockerfile:3:13: error: COPY --from=biuld names no stage and will pull an image of that name; did you mean stage "build"? [DL3022]`}},
		{name: "unknown runtime", file: "g.zimagefile", content: "runtime: nod22\n", code: 1,
			want: []string{"g.zimagefile:1:10: error: unknown runtime 'nod22' in ZImagefile [ZI117]", "g.zimagefile:1:10: note: did you mean `node22`?"}},
		{name: "forward stage reference", file: "h.zimagefile",
			content: "stages:\n  a:\n    base: b\n  b:\n    base: a\n", code: 1,
			want: []string{"h.zimagefile:3:11: error: stage 'a': 'base' refers to stage 'b', which is defined later; only earlier stages can be referenced [ZI202]"}},
		{name: "stage refers to itself", file: "i.zimagefile",
			content: "stages:\n  a:\n    base: alpine:3\n    steps:\n      - copy: x\n        from: a\n        to: /x\n", code: 1,
			want: []string{"i.zimagefile:6:15: error: stage 'a', step 1: 'from' refers to stage 'a' itself; only earlier stages can be referenced [ZI201]"}},
		{name: "Dockerfile forward COPY --from", file: "Dockerfile",
			content: "FROM alpine:3 AS a\nCOPY --from=b /x /x\nFROM alpine:3 AS b\n", code: 1,
			want: []string{"Dockerfile:2:13: error: COPY --from=b refers to a stage defined later; only earlier stages can be copied from [DL3022]"}},
		{name: "Dockerfile stages based on each other", file: "Dockerfile",
			content: "FROM b AS a\nRUN true\nFROM a AS b\n",
			want:    []string{"Dockerfile:1:6: warning: FROM b names stage 'b', which is defined later (line 3); only earlier stages can be used, so this uses an image called 'b' [StageReferencedLater]"}},
		{name: "Dockerfile COPY --from its own stage", file: "Dockerfile",
			content: "FROM alpine:3 AS a\nCOPY --from=a /x /x\n", code: 1,
			want: []string{"Dockerfile:2:13: error: COPY --from should reference a previously defined FROM alias, not its own stage a [DL3023]"}},
		{name: "empty ZImagefile", file: "j.zimagefile", content: "", code: 1,
			want: []string{"j.zimagefile:1:1: error: exactly one of 'runtime', 'wasm', 'stages', 'base', or 'build' must be set, but none were found [ZI102]"}},
		{name: "empty Dockerfile", file: "Dockerfile", content: "", code: 1,
			want: []string{"Dockerfile:1:1: error: the Dockerfile has no instructions; add a FROM instruction [DF005]"}},
		{name: "binary Dockerfile", file: "Dockerfile", content: "\x7fELF\x02\x01\x01\x00\x00\x00FROM\n\x00\xff", code: 1,
			want: []string{"Dockerfile: error: Dockerfile is not analysed: the document contains NUL bytes and looks binary [ZL001]"}},
		{name: "binary ZImagefile", file: "ZImagefile", content: "base: alpine:3\n\x00\x01", code: 1,
			want: []string{"ZImagefile: error: ZImagefile is not analysed: the document contains NUL bytes and looks binary [ZL001]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, "check", path)
			stdout = strings.ReplaceAll(stdout, dir+string(filepath.Separator), "")
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			checkLines(t, stdout, tt.want, tt.not)
		})
	}
}

// checkLines asserts that each want begins a line of out, in order, and
// that no text of not appears.
func checkLines(t *testing.T, out string, want, not []string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	i := 0
	for _, w := range want {
		for i < len(lines) && !strings.HasPrefix(lines[i], w) {
			i++
		}
		if i == len(lines) {
			t.Errorf("output lacks (in order) the line %q:\n%s", w, out)
			return
		}
		i++
	}
	for _, n := range not {
		if strings.Contains(out, n) {
			t.Errorf("output contains %q:\n%s", n, out)
		}
	}
}

// TestCheckUnreadable checks the usage-level failures: a missing file and
// a directory exit 2 and name the path.
func TestCheckUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "ZImagefile"), dir} {
		stdout, stderr, code := runCLI(t, "check", path)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "zlayer: ") || !strings.Contains(stderr, path) {
			t.Errorf("check %s: exit %d, stdout %q, stderr %q; want exit 2 and an error naming the path", path, code, stdout, stderr)
		}
	}
	_, stderr, code := runCLI(t, "check", "--format", "xml", filepath.Join(dir, "x"))
	if code != 2 || !strings.Contains(stderr, "--format must be text or json") {
		t.Errorf("check --format xml: exit %d, stderr %q", code, stderr)
	}
}

// TestCheckLargeFiles checks files of several megabytes: they are
// analysed to the end with the right findings, without hanging or
// exhausting memory (a deep flow collection once made go-yaml allocate
// quadratically).
func TestCheckLargeFiles(t *testing.T) {
	var steps strings.Builder
	steps.WriteString("base: alpine:3.20\nsteps:\n")
	for i := 0; steps.Len() < 3<<20; i++ {
		fmt.Fprintf(&steps, "  - run: \"echo step %d of a ZImagefile of several megabytes\"\n", i)
	}
	steps.WriteString("  - run: \"\"\n")
	tests := []struct {
		name, file, content string
		code                int
		want                []string
	}{
		{"many steps", "ZImagefile", steps.String(), 1,
			[]string{fmt.Sprintf("ZImagefile:%d:", strings.Count(steps.String(), "\n")), "ZI208"}},
		{"deep flow nesting", "ZImagefile", "base: alpine:3.20\nsteps: " + strings.Repeat("[", 3<<20) + "\n", 1,
			[]string{"ZImagefile:2:208: error: document is nested too deeply [ZI001]"}},
		{"a long string", "ZImagefile", "base: \"" + strings.Repeat("x", 3<<20) + "\"\n", 0, nil},
		{"a long line", "Dockerfile", "FROM alpine:3.20\nRUN echo " + strings.Repeat("x", 3<<20) + "\n", 1,
			[]string{"Dockerfile:2:1: error: dockerfile line greater than max allowed size of 65535 [DF001]"}},
		{"a long continuation", "Dockerfile", "FROM alpine:3.20\nRUN echo \\\n" + strings.Repeat("  x \\\n", 300000) + "  done\n", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, "check", path)
			stdout = strings.ReplaceAll(stdout, dir+string(filepath.Separator), "")
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s\nstdout (start): %.500s", code, tt.code, stderr, stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%.1000s", w, stdout)
				}
			}
		})
	}
}
