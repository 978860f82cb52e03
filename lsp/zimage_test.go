package lsp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

const sampleZImage = `# ünïcode comment
args:
  GO: "1.22"
stages:
  build:
    base: golang:${GO}
    args:
      GO: ""
    steps:
      - copy: main.go
        to: /src/
      - run: go build -o /out/app /src/main.go
  final:
    base: alpine:3.20
    steps:
      - copy: /out/app
        from: buidl
        to: /usr/local/bin/app
cmd: ["app"]
`

func positionParams(u uri.URI, at protocol.Position) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: at}
}

func (c *testClient) complete(u uri.URI, at protocol.Position) []string {
	c.t.Helper()
	var list protocol.CompletionList
	if err := c.call(protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: positionParams(u, at)}, &list); err != nil {
		c.t.Fatalf("completion at %v: %v", at, err)
	}
	var out []string
	for _, it := range list.Items {
		out = append(out, it.Label)
	}
	return out
}

func TestZImagefileDiagnosticsBothEncodings(t *testing.T) {
	// The stage reference typo sits after a non-ASCII value so that the
	// UTF-8 and UTF-16 columns differ.
	text := "args:\n  LABEL: \"héllo\" # ✓\nstages:\n  build:\n    base: alpine:3.20\n  final:\n    base: \"ü\"\n    steps:\n      - copy: a\n        from: buidl\n        to: /x\n"
	for _, tt := range []struct {
		name string
		utf8 bool
		want string
	}{
		{"utf-16", false, "9:14-9:19 ZI203"},
		{"utf-8", true, "9:14-9:19 ZI203"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c, _ := startServer(t, func(p *protocol.InitializeParams) {
				if tt.utf8 {
					p.Capabilities.General = &protocol.GeneralClientCapabilities{PositionEncodings: []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF8}}
				}
			})
			u := c.open(writeFile(t, dir, "ZImagefile", text), "zimagefile", text)
			ds := c.diagnosticsFor(u, 1)
			if !strings.Contains(summary(ds), tt.want) {
				t.Errorf("diagnostics:\n%s\nwant a line starting %q", summary(ds), tt.want)
			}
			// Edit line 1 (non-ASCII) incrementally: replace "héllo" by "x".
			// In UTF-8 "héllo" spans bytes 10-16, in UTF-16 10-15.
			end := uint32(15)
			if tt.utf8 {
				end = 16
			}
			c.change(u, 2, edit(1, 10, 1, end, "x"), edit(4, 10, 4, 10, "busybox:1 #"))
			ds = c.diagnosticsFor(u, 2)
			d := c.snapshotText(u)
			if !strings.Contains(d, `LABEL: "x" # ✓`) || !strings.Contains(d, "base: busybox:1 #alpine:3.20") {
				t.Errorf("text after edits:\n%s", d)
			}
			if !strings.Contains(summary(ds), tt.want) {
				t.Errorf("diagnostics after edit:\n%s", summary(ds))
			}
		})
	}
}

// snapshotText returns the server's current text of a document.
func (c *testClient) snapshotText(u uri.URI) string { return serverText(c, u) }

func TestZImagefileFeatures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.go", "package main\n")
	c, _ := startServer(t, nil)
	u := c.open(writeFile(t, dir, "ZImagefile", sampleZImage), "zimagefile", sampleZImage)
	ds := c.diagnosticsFor(u, 1)
	if got := summary(ds); !strings.Contains(got, "16:14-16:19 ZI203") {
		t.Fatalf("diagnostics:\n%s", got)
	}

	t.Run("completion", func(t *testing.T) {
		tests := []struct {
			name     string
			edit     *protocol.TextDocumentContentChangePartial
			at       protocol.Position
			want     []string
			wantNone []string
		}{
			{"top-level keys", nil, pos(19, 0), []string{"version", "runtime", "env", "labels"}, []string{"args", "stages", "cmd"}},
			{"stage keys on a half-typed line", edit(12, 0, 12, 0, "    wo\n"), pos(12, 6), []string{"workdir"}, []string{"base", "steps", "args"}},
			{"step modifiers of copy", edit(16, 0, 16, 0, "        \n"), pos(16, 8), []string{"owner", "chmod"}, []string{"from", "to", "cache", "run"}},
			{"step actions in a new item", edit(12, 0, 12, 0, "      - \n"), pos(12, 8), []string{"run", "copy", "add", "env", "workdir", "user"}, []string{"to", "cache"}},
			{"earlier stages after from", nil, pos(16, 14), []string{"build"}, []string{"final"}},
			{"variables in ${", edit(11, 12, 11, 12, "${"), pos(11, 14), []string{"GO"}, nil},
			{"cache sharing values", edit(12, 0, 12, 0, "        cache:\n          - target: /c\n            sharing: \n"), pos(14, 21), []string{"shared", "locked", "private"}, nil},
		}
		version := int32(1)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.edit != nil {
					version++
					c.change(u, version, tt.edit)
				}
				got := c.complete(u, tt.at)
				for _, w := range tt.want {
					if !slices.Contains(got, w) {
						t.Errorf("completion at %v = %v, missing %q", tt.at, got, w)
					}
				}
				for _, w := range tt.wantNone {
					if slices.Contains(got, w) {
						t.Errorf("completion at %v = %v, must not offer %q", tt.at, got, w)
					}
				}
				if tt.edit != nil { // undo
					version++
					c.change(u, version, &protocol.TextDocumentContentChangeWholeDocument{Text: sampleZImage})
				}
			})
		}
	})

	t.Run("hover", func(t *testing.T) {
		for _, tt := range []struct {
			at   protocol.Position
			want string
		}{
			{pos(4, 4), "Building it runs: build"},
			{pos(5, 20), "Defined by args on line 3 (global)"},
			{pos(14, 6), "The stage's steps"},
			{pos(9, 9), "Copy files"},
		} {
			var h protocol.Hover
			if err := c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: positionParams(u, tt.at)}, &h); err != nil {
				t.Fatal(err)
			}
			mc, _ := h.Contents.(*protocol.MarkupContent)
			if mc == nil || !strings.Contains(mc.Value, tt.want) {
				t.Errorf("hover at %v = %#v, want %q", tt.at, h.Contents, tt.want)
			}
		}
	})

	t.Run("code lens", func(t *testing.T) {
		var lenses []protocol.CodeLens
		if err := c.call(protocol.MethodTextDocumentCodeLens, &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &lenses); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lenses {
			got = append(got, fmtRange(l.Range)+" "+l.Command.Title+" "+l.Command.Command)
		}
		want := []string{"0:0-0:0 ▶ Build image zlayer.buildImage", "4:2-4:2 ▶ Build stage build zlayer.buildStage", "12:2-12:2 ▶ Build stage final zlayer.buildStage"}
		if !slices.Equal(got, want) {
			t.Errorf("lenses = %q, want %q", got, want)
		}
		var args map[string]string
		_ = json.Unmarshal(lenses[1].Command.Arguments[0], &args)
		if args["uri"] != string(u) || args["stage"] != "build" {
			t.Errorf("lens arguments = %v", args)
		}
	})

	t.Run("code actions", func(t *testing.T) {
		var acts []protocol.CodeAction
		if err := c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u},
			Range: rng(16, 15, 16, 15)}, &acts); err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range acts {
			titles = append(titles, a.Title)
			if a.Title == "Use stage 'build'" {
				e := a.Edit.Changes[u][0]
				if fmtRange(e.Range) != "16:14-16:19" || e.NewText != "build" {
					t.Errorf("did-you-mean edit = %v", e)
				}
			}
		}
		for _, w := range []string{"Build stage final", "Use stage 'build'", "Ignore ZI203 on this line"} {
			if !slices.Contains(titles, w) {
				t.Errorf("code actions = %q, missing %q", titles, w)
			}
		}
	})

	t.Run("ignore comment silences the rule", func(t *testing.T) {
		text := strings.Replace(sampleZImage, "        from: buidl", "        # zlayer-ignore: ZI203\n        from: buidl", 1)
		c.change(u, 100, &protocol.TextDocumentContentChangeWholeDocument{Text: text})
		if ds := c.diagnosticsFor(u, 100); strings.Contains(summary(ds), "ZI203") {
			t.Errorf("ZI203 still reported:\n%s", summary(ds))
		}
	})
}
