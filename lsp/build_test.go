package lsp

import (
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

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
	store := buildahtest.Shared(t)
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
