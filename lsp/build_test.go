package lsp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

func TestMain(m *testing.M) { buildahtest.Main(m) }

const buildZImage = `stages:
  ok:
    base: localhost/busybox:latest
    steps:
      - run: echo hello from the ok stage
  bad:
    base: localhost/busybox:latest
    steps:
      - run: echo boom; exit 3
`

// execute runs a zlayer.* command and decodes its result.
func (c *testClient) execute(command string, args map[string]any, out any) error {
	raw, _ := json.Marshal(args)
	var res json.RawMessage
	err := c.call(protocol.MethodWorkspaceExecuteCommand, &protocol.ExecuteCommandParams{Command: command, Arguments: []protocol.LSPAny{protocol.LSPAny(raw)}}, &res)
	if err == nil && out != nil {
		err = json.Unmarshal(res, out)
	}
	return err
}

func (c *testClient) waitMessage(substr string) {
	c.t.Helper()
	c.waitFor("window/showMessage containing "+substr, func() bool {
		for _, n := range c.notes {
			if n.method == protocol.MethodWindowShowMessage && strings.Contains(string(n.params), substr) {
				return true
			}
		}
		return false
	})
}

func TestBuildFromTheEditor(t *testing.T) {
	store := buildahtest.NewStore(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "ZImagefile", buildZImage)
	c, _ := startServer(t, func(p *protocol.InitializeParams) {
		opts, _ := json.Marshal(map[string]any{"zlayer": map[string]any{"buildah": map[string]string{
			"root": store.CLI.Root, "runroot": store.CLI.RunRoot, "storageDriver": store.CLI.StorageDriver,
		}}})
		p.InitializationOptions = protocol.LSPAny(opts)
	})
	u := c.open(path, "zimagefile", buildZImage)
	if ds := c.diagnosticsFor(u, 1); strings.Contains(summary(ds), "ZI") {
		t.Fatalf("diagnostics:\n%s", summary(ds))
	}

	var res struct{ BuildID string }
	if err := c.execute(cmdBuildStage, map[string]any{"uri": string(u), "stage": "ok"}, &res); err != nil {
		t.Fatal(err)
	}
	if res.BuildID == "" {
		t.Fatal("no buildId in the result")
	}
	c.waitMessage("Built stage ok")
	out := c.notesOf("zlayer/buildOutput")
	var lines []string
	for _, n := range out {
		var o buildOutput
		_ = json.Unmarshal(n.params, &o)
		if o.BuildID != res.BuildID {
			t.Errorf("output of another build: %+v", o)
		}
		lines = append(lines, o.Stage+": "+o.Line)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "ok: hello from the ok stage") {
		t.Errorf("build output:\n%s", strings.Join(lines, "\n"))
	}
	kinds := map[string]bool{}
	for _, n := range c.notesOf(protocol.MethodProgress) {
		var v struct{ Kind string }
		_ = json.Unmarshal(n.params, &v)
		kinds[v.Kind] = true
	}
	if !kinds["begin"] || !kinds["report"] || !kinds["end"] {
		t.Errorf("progress kinds = %v, want begin, report and end", kinds)
	}

	// A failing step becomes an error diagnostic on its range.
	if err := c.execute(cmdBuildStage, map[string]any{"uri": string(u), "stage": "bad"}, &res); err != nil {
		t.Fatal(err)
	}
	c.waitMessage("Build of stage bad failed")
	var failed []protocol.Diagnostic
	c.waitFor("the build failure diagnostic", func() bool {
		p := c.diags[u]
		for _, d := range p.Diagnostics {
			if code(d) == codeBuildFailed {
				failed = append(failed, d)
			}
		}
		return len(failed) > 0
	})
	if got := fmtRange(failed[0].Range); got != "8:8-8:30" {
		t.Errorf("failure range = %s, want the run step 8:8-8:30 (%s)", got, message(failed[0]))
	}
	if !strings.Contains(message(failed[0]), "boom") {
		t.Errorf("failure message lacks the step's output: %q", message(failed[0]))
	}

	// Lenses show the last results.
	var lenses []protocol.CodeLens
	if err := c.call(protocol.MethodTextDocumentCodeLens, &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, l := range lenses {
		titles = append(titles, l.Command.Title)
	}
	if got := strings.Join(titles, "|"); !strings.Contains(got, "✓ built") || !strings.Contains(got, "✗ failed") {
		t.Errorf("lens titles = %q", got)
	}

	// The next successful build clears the failure.
	if err := c.execute(cmdBuildStage, map[string]any{"uri": string(u), "stage": "ok"}, &res); err != nil {
		t.Fatal(err)
	}
	c.waitFor("the failure diagnostic to clear", func() bool {
		for _, d := range c.diags[u].Diagnostics {
			if code(d) == codeBuildFailed {
				return false
			}
		}
		return true
	})
}

func TestBuildCommandErrors(t *testing.T) {
	dir := t.TempDir()
	c, _ := startServer(t, nil)
	bad := "stages:\n  a:\n    steps: []\n"
	u := c.open(writeFile(t, dir, "ZImagefile", bad), "zimagefile", bad)
	c.diagnosticsFor(u, 1)
	for _, tt := range []struct {
		cmd  string
		args map[string]any
		want string
	}{
		{cmdBuildImage, map[string]any{"uri": string(u)}, "fix the errors in the file first"},
		{cmdBuildStage, map[string]any{"uri": string(u)}, "needs a stage name"},
		{cmdBuildImage, map[string]any{}, "needs a \"uri\""},
		{"zlayer.nope", map[string]any{}, "unknown command"},
	} {
		err := c.execute(tt.cmd, tt.args, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %v: err = %v, want %q", tt.cmd, tt.args, err, tt.want)
		}
	}
	var cancelled map[string][]string
	if err := c.execute(cmdCancelBuild, map[string]any{}, &cancelled); err != nil || cancelled["cancelled"] == nil {
		t.Errorf("cancelBuild = %v, %v", cancelled, err)
	}
}

// startBuildServer starts a server whose builds use the test's buildah
// store.
func startBuildServer(t *testing.T, store *buildahtest.Store) *testClient {
	t.Helper()
	c, _ := startServer(t, func(p *protocol.InitializeParams) {
		opts, _ := json.Marshal(map[string]any{"zlayer": map[string]any{"buildah": map[string]string{
			"root": store.CLI.Root, "runroot": store.CLI.RunRoot, "storageDriver": store.CLI.StorageDriver,
		}}})
		p.InitializationOptions = protocol.LSPAny(opts)
	})
	return c
}

// startStageBuild runs zlayer.buildStage and returns the build ID.
func (c *testClient) startStageBuild(u uri.URI, stage string, buildArgs map[string]string) string {
	c.t.Helper()
	var res struct{ BuildID string }
	if err := c.execute(cmdBuildStage, map[string]any{"uri": string(u), "stage": stage, "buildArgs": buildArgs}, &res); err != nil {
		c.t.Fatalf("building stage %s: %v", stage, err)
	}
	return res.BuildID
}

// buildLines returns the zlayer/buildOutput lines of one build.
func (c *testClient) buildLines(id string) []string {
	var out []string
	for _, n := range c.notesOf("zlayer/buildOutput") {
		var o buildOutput
		_ = json.Unmarshal(n.params, &o)
		if o.BuildID == id {
			out = append(out, o.Stage+": "+o.Line)
		}
	}
	return out
}

// waitOutput waits for a build's output to contain a line with substr.
func (c *testClient) waitOutput(id, substr string) {
	c.t.Helper()
	c.waitFor(id+" output containing "+substr, func() bool {
		for _, n := range c.notes {
			var o buildOutput
			if n.method == "zlayer/buildOutput" && json.Unmarshal(n.params, &o) == nil && o.BuildID == id && strings.Contains(o.Line, substr) {
				return true
			}
		}
		return false
	})
}

// messageIndex returns the position of the first window/showMessage
// containing substr among the recorded notifications, or -1.
func (c *testClient) messageIndex(substr string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, n := range c.notes {
		if n.method == protocol.MethodWindowShowMessage && strings.Contains(string(n.params), substr) {
			return i
		}
	}
	return -1
}

const unnamedDockerfile = `FROM localhost/busybox:latest
RUN echo hello from stage zero
FROM localhost/busybox:latest AS named
RUN echo named
FROM localhost/busybox:latest
RUN echo the last stage must not run; exit 5
`

func TestBuildUnnamedDockerfileStage(t *testing.T) {
	store := buildahtest.NewStore(t)
	dir := t.TempDir()
	c := startBuildServer(t, store)
	u := c.open(writeFile(t, dir, "Dockerfile", unnamedDockerfile), "dockerfile", unnamedDockerfile)
	c.diagnosticsFor(u, 1)

	var lenses []protocol.CodeLens
	if err := c.call(protocol.MethodTextDocumentCodeLens, &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lenses {
		var args map[string]string
		_ = json.Unmarshal(l.Command.Arguments[0], &args)
		got = append(got, fmt.Sprintf("%s %s %s", fmtRange(l.Range), l.Command.Title, args["stage"]))
	}
	want := []string{"0:0-0:0 ▶ Build image ", "0:0-0:0 ▶ Build stage 0 (unnamed) 0", "2:0-2:0 ▶ Build stage named named", "4:0-4:0 ▶ Build stage 2 (unnamed) 2"}
	if !slices.Equal(got, want) {
		t.Errorf("lenses = %q, want %q", got, want)
	}
	var acts []protocol.CodeAction
	if err := c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: rng(1, 4, 1, 4)}, &acts); err != nil {
		t.Fatal(err)
	}
	if len(acts) == 0 || acts[0].Title != "Build stage 0 (unnamed)" {
		t.Errorf("code actions on the first stage = %v, want Build stage 0 (unnamed) first", acts)
	}

	id := c.startStageBuild(u, "0", nil)
	c.waitMessage("Built stage 0")
	lines := strings.Join(c.buildLines(id), "\n")
	if !strings.Contains(lines, "stage-0: hello from stage zero") || strings.Contains(lines, "must not run") || strings.Contains(lines, "named") {
		t.Errorf("building stage 0 ran more than stage 0:\n%s", lines)
	}
	if err := c.call(protocol.MethodTextDocumentCodeLens, &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
		t.Fatal(err)
	}
	marks := 0
	for _, l := range lenses {
		if strings.HasPrefix(l.Command.Title, "✓ built") || l.Command.Title == "CACHED" {
			marks++
			if l.Range.Start.Line != 0 {
				t.Errorf("result lens at line %d, want the first stage's line 0", l.Range.Start.Line)
			}
		}
	}
	if marks != 1 {
		t.Errorf("%d result lenses, want one on stage 0", marks)
	}
	if err := c.execute(cmdBuildStage, map[string]any{"uri": string(u), "stage": "7"}, nil); err == nil || !strings.Contains(err.Error(), `no stage "7"`) {
		t.Errorf("building stage 7 of 3: err = %v", err)
	}
}

const concurrentZImage = `stages:
  a:
    base: localhost/busybox:latest
    args:
      MODE: ""
    steps:
      - run: if [ "$MODE" = wait ]; then echo a is waiting; sleep 300; fi; echo a done $MODE
  b:
    base: localhost/busybox:latest
    steps:
      - run: echo b done
`

// TestBuildsOfStagesRunAtOnce starts a build of stage a that blocks, then
// builds stage b to the end while a still runs, then builds a again, which
// cancels the first build of a. Only the order of notifications is
// checked.
func TestBuildsOfStagesRunAtOnce(t *testing.T) {
	store := buildahtest.NewStore(t)
	dir := t.TempDir()
	c := startBuildServer(t, store)
	u := c.open(writeFile(t, dir, "ZImagefile", concurrentZImage), "zimagefile", concurrentZImage)
	c.diagnosticsFor(u, 1)

	first := c.startStageBuild(u, "a", map[string]string{"MODE": "wait"})
	c.waitOutput(first, "a is waiting")

	// b is built to the end while the first build of a blocks.
	other := c.startStageBuild(u, "b", nil)
	c.waitMessage("Built stage b")
	if i := c.messageIndex("stage a"); i >= 0 {
		t.Fatalf("the first build of a ended before b was built")
	}
	if lines := c.buildLines(other); !slices.Contains(lines, "b: b done") {
		t.Errorf("output of b:\n%s", strings.Join(lines, "\n"))
	}

	// A second build of a cancels the first.
	second := c.startStageBuild(u, "a", map[string]string{"MODE": "go"})
	c.waitMessage("Built stage a")
	cancelled, built := c.messageIndex("Build of stage a cancelled"), c.messageIndex("Built stage a")
	if cancelled < 0 || cancelled > built {
		t.Errorf("the first build of a was not cancelled before the second one ended (cancelled at %d, built at %d)", cancelled, built)
	}
	if lines := c.buildLines(first); slices.Contains(lines, "a: a done wait") {
		t.Errorf("the first build of a ran to the end:\n%s", strings.Join(lines, "\n"))
	}
	if lines := c.buildLines(second); !slices.Contains(lines, "a: a done go") {
		t.Errorf("output of the second build of a:\n%s", strings.Join(lines, "\n"))
	}
	// Both builds of a have reported their end, which comes after the
	// runner removed their containers.
	if ctrs := store.Containers(t); len(ctrs) != 0 {
		t.Errorf("containers left behind: %v", ctrs)
	}
}
