package lsp

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/source"
)

// cursorMark marks the cursor in the test documents below.
const cursorMark = "‸"

// openAt opens text (with one cursorMark) as a new ZImagefile and returns
// its URI and the LSP position of the mark.
func (c *testClient) openAt(dir, text string) (uri.URI, protocol.Position) {
	c.t.Helper()
	before, after, ok := strings.Cut(text, cursorMark)
	if !ok {
		c.t.Fatalf("no %s in %q", cursorMark, text)
	}
	line := strings.Count(before, "\n")
	col := len(utf16.Encode([]rune(before[strings.LastIndex(before, "\n")+1:])))
	c.docs++
	name := fmt.Sprintf("ZImagefile.%d", c.docs)
	u := c.open(writeFile(c.t, dir, name, before+after), "zimagefile", before+after)
	return u, pos(uint32(line), uint32(col))
}

// completionItems returns the completion items at a position.
func (c *testClient) completionItems(u uri.URI, at protocol.Position) []protocol.CompletionItem {
	c.t.Helper()
	var list protocol.CompletionList
	if err := c.call(protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: positionParams(u, at)}, &list); err != nil {
		c.t.Fatalf("completion at %v: %v", at, err)
	}
	return list.Items
}

func TestZImagefileCompletionContexts(t *testing.T) {
	dir := t.TempDir()
	c, _ := startServer(t, nil)
	const stages = "args:\n  GO: \"1.22\"\n  UNUSED: x\nstages:\n  build:\n    base: golang:${GO}\n    args:\n      GO: \"\"\n    env:\n      CGO: \"0\"\n    steps:\n      - run: go build\n"
	tests := []struct {
		name string
		text string
		// want must all be offered; exact, when set, is the whole list in
		// order; none must not be offered.
		want, exact, none []string
	}{
		{name: "top-level keys of an empty file", text: "‸",
			want: []string{"version", "runtime", "base", "build", "steps", "stages", "wasm", "healthcheck", "args"}},
		{name: "top-level keys already present are not offered", text: "version: 1\n‸\nbase: alpine\n",
			want: []string{"runtime", "steps", "cmd"}, none: []string{"version", "base"}},
		{name: "half-typed top-level key", text: "ver‸\n", want: []string{"version"}},
		{name: "stage keys", text: stages + "  final:\n    ‸\n",
			want: []string{"base", "build", "platform", "steps", "healthcheck"}, none: []string{"stages", "version", "runtime"}},
		{name: "half-typed stage key on a broken line", text: stages + "  final:\n    base: alpine\n    wo‸\n    steps: []\n",
			want: []string{"workdir", "user"}, none: []string{"base", "steps", "version"}},
		{name: "step kinds in a new step", text: stages + "      - ‸\n",
			exact: []string{"run", "copy", "add", "env", "workdir", "user"}},
		{name: "step kinds on a half-typed step", text: stages + "      - co‸\n",
			exact: []string{"run", "copy", "add", "env", "workdir", "user"}},
		{name: "modifiers of a run step", text: stages + "        ‸\n",
			exact: []string{"env", "cache"}},
		{name: "modifiers of a half-typed run modifier", text: stages + "        ca‸\n",
			exact: []string{"env", "cache"}},
		{name: "modifiers of a copy step", text: stages + "      - copy: a\n        ‸\n",
			exact: []string{"to", "from", "owner", "chmod"}},
		{name: "modifiers of a copy step without the ones present", text: stages + "      - copy: a\n        to: /x\n        ‸\n        owner: app\n",
			exact: []string{"from", "chmod"}},
		{name: "modifiers of an add step in a top-level step list", text: "base: alpine\nsteps:\n  - add: a.tar\n    ‸\n",
			exact: []string{"to", "from", "owner", "chmod"}},
		{name: "nothing goes with workdir", text: "base: alpine\nsteps:\n  - workdir: /app\n    ‸\n", exact: nil},
		{name: "an env step takes no run", text: "base: alpine\nsteps:\n  - env: {A: b}\n    ‸\n", none: []string{"run", "cache", "to"}},
		{name: "cache mount keys", text: stages + "        cache:\n          - target: /c\n            ‸\n",
			exact: []string{"id", "sharing", "readonly"}},
		{name: "half-typed cache mount key", text: stages + "        cache:\n          - target: /c\n            sh‸\n",
			exact: []string{"id", "sharing", "readonly"}},
		{name: "healthcheck keys", text: "base: alpine\nhealthcheck:\n  cmd: [true]\n  ‸\n",
			exact: []string{"interval", "timeout", "start_period", "retries"}},
		{name: "build keys", text: "build:\n  ‸\n", exact: []string{"workdir", "context", "file", "args"}},
		{name: "wasm keys", text: "wasm:\n  target: preview2\n  ‸\n", want: []string{"optimize", "language", "world", "oci"}, none: []string{"target"}},
		{name: "cache sharing values", text: stages + "        cache:\n          - target: /c\n            sharing: ‸\n",
			exact: []string{"shared", "locked", "private"}},
		{name: "half-typed cache sharing value", text: stages + "        cache:\n          - target: /c\n            sharing: lo‸\n",
			exact: []string{"shared", "locked", "private"}},
		{name: "readonly values", text: stages + "        cache:\n          - target: /c\n            readonly: ‸\n",
			exact: []string{"true", "false"}},
		{name: "os values", text: "base: alpine\nos: ‸\n", exact: []string{"linux", "windows"}},
		{name: "stage os values", text: stages + "    os: ‸\n", exact: []string{"linux", "windows"}},
		{name: "version values", text: "version: ‸\nbase: alpine\n", exact: []string{"1"}},
		{name: "wasm target values", text: "wasm:\n  target: ‸\n", exact: []string{"preview1", "preview2"}},
		{name: "wasm opt_level values", text: "wasm:\n  opt_level: ‸\n", exact: []string{"O", "Os", "Oz", "O2", "O3"}},
		{name: "wasm language values", text: "wasm:\n  language: ‸\n", want: []string{"rust", "go", "zig"}},
		{name: "wasm world values", text: "wasm:\n  world: ‸\n", want: []string{"zlayer-http-handler", "zlayer-plugin"}},
		{name: "earlier stages after from", text: stages + "  final:\n    base: alpine\n    steps:\n      - copy: /out\n        to: /x\n        from: ‸\n  later:\n    base: alpine\n",
			exact: []string{"build"}},
		{name: "earlier stages and images after base", text: stages + "  final:\n    base: ‸\n  later:\n    base: alpine\n",
			want: []string{"build", "scratch", "alpine:3.20"}, none: []string{"final", "later"}},
		{name: "the first stage has no earlier stage", text: "stages:\n  first:\n    base: ‸\n  second:\n    base: first\n",
			none: []string{"first", "second"}, want: []string{"scratch"}},
		{name: "template stages in runtime mode", text: "runtime: go\nsteps:\n  - copy: /x\n    to: /y\n    from: ‸\n",
			want: []string{"builder"}},
		{name: "runtime names and aliases", text: "runtime: ‸\n",
			want: []string{"node20", "node22", "python312", "rust", "go", "golang", "node", "deno", "bun", "wasm"}},
		{name: "variables in ${ in a stage", text: stages + "      - run: echo ${‸}\n",
			want: []string{"GO", "CGO"}, none: []string{"UNUSED", "TARGETARCH"}},
		{name: "variables after $ at the end of a stage", text: stages + "        env:\n          X: $‸\n",
			want: []string{"GO", "CGO"}},
		{name: "only global variables in base", text: stages + "  final:\n    base: alpine:${‸}\n    env:\n      LATE: x\n",
			want: []string{"GO", "UNUSED", "TARGETARCH"}, none: []string{"CGO", "LATE"}},
		{name: "no variables from an earlier stage", text: stages + "  final:\n    base: alpine\n    args:\n      UNUSED: \"\"\n    steps:\n      - run: echo ${‸}\n",
			want: []string{"UNUSED"}, none: []string{"CGO", "GO"}},
		{name: "nothing in a comment", text: "# base‸\nbase: alpine\n", exact: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, at := c.openAt(dir, tt.text)
			var got []string
			for _, it := range c.completionItems(u, at) {
				got = append(got, it.Label)
			}
			if tt.exact != nil || tt.want == nil && tt.none == nil {
				if !slices.Equal(got, tt.exact) {
					t.Errorf("completion = %q, want exactly %q", got, tt.exact)
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("completion = %q, missing %q", got, w)
				}
			}
			for _, w := range tt.none {
				if slices.Contains(got, w) {
					t.Errorf("completion = %q, must not offer %q", got, w)
				}
			}
		})
	}
}

// TestZImagefileCompletionItems checks what an item carries: the schema's
// type and description, the edit replacing the typed word, and the copy
// snippet with its required to.
func TestZImagefileCompletionItems(t *testing.T) {
	dir := t.TempDir()
	c, _ := startServer(t, func(p *protocol.InitializeParams) {
		p.Capabilities.TextDocument.Completion = &protocol.CompletionClientCapabilities{CompletionItem: &protocol.ClientCompletionItemOptions{
			SnippetSupport: ptr(true), DocumentationFormat: []protocol.MarkupKind{protocol.MarkupKindMarkdown},
		}}
	})
	u, at := c.openAt(dir, "base: alpine\nsteps:\n  - run: make\n    cach‸\n")
	items := c.completionItems(u, at)
	cache := findItem(t, items, "cache")
	if d, _ := cache.Detail.Get(); d != "list of cache mounts" {
		t.Errorf("cache detail = %q", d)
	}
	if doc, _ := cache.Documentation.(*protocol.MarkupContent); doc == nil || !strings.Contains(doc.Value, "never stored in the image") {
		t.Errorf("cache documentation = %#v, want the schema's description", cache.Documentation)
	}
	if e, _ := cache.TextEdit.(*protocol.TextEdit); e == nil || fmtRange(e.Range) != "3:4-3:8" || e.NewText != "cache: " {
		t.Errorf("cache edit = %#v, want cache: over 3:4-3:8", cache.TextEdit)
	}

	u, at = c.openAt(dir, "base: alpine\nsteps:\n  - run: make\n  - ‸\n")
	cp := findItem(t, c.completionItems(u, at), "copy")
	if e, _ := cp.TextEdit.(*protocol.TextEdit); e == nil || e.NewText != "copy: ${1:src}\n    to: ${2:dest}" || cp.InsertTextFormat != protocol.InsertTextFormatSnippet {
		t.Errorf("copy item = %#v, want a snippet with to: under copy", cp.TextEdit)
	}

	u, at = c.openAt(dir, "stages:\n  build:\n    base: alpine\n  final:\n    base: b‸\n")
	if d, _ := findItem(t, c.completionItems(u, at), "build").Detail.Get(); d != "stage 0, base alpine" {
		t.Errorf("stage item detail = %q", d)
	}
	u, at = c.openAt(dir, "args:\n  GO: \"1.22\"\nbase: golang:${G‸}\n")
	if d, _ := findItem(t, c.completionItems(u, at), "GO").Detail.Get(); d != "args = 1.22" {
		t.Errorf("variable item detail = %q", d)
	}
}

func findItem(t *testing.T, items []protocol.CompletionItem, label string) protocol.CompletionItem {
	t.Helper()
	for _, it := range items {
		if it.Label == label {
			return it
		}
	}
	var labels []string
	for _, it := range items {
		labels = append(labels, it.Label)
	}
	t.Fatalf("no %q among %q", label, labels)
	return protocol.CompletionItem{}
}

func TestZImagefileKeyHover(t *testing.T) {
	dir := t.TempDir()
	c, _ := startServer(t, nil)
	for _, tt := range []struct {
		name, text string
		want       []string
	}{
		{"top-level key", "ba‸se: alpine\n", []string{"**Base image** (`base`: string)", "Image the build starts from", "Examples: `alpine:3.20`"}},
		{"enum with default", "stages:\n  a:\n    base: alpine\n    steps:\n      - run: make\n        cache:\n          - target: /c\n            sha‸ring: locked\n",
			[]string{"**Sharing** (`sharing`: string)", "Values: `shared`, `locked`, `private`", "Default: `shared`"}},
		{"step action in a list item", "base: alpine\nsteps:\n  - ru‸n: make\n", []string{"**Run a command**", "/bin/sh -c"}},
		{"key after a broken line", "stages:\n  a:\n    base: [alpine\n  b:\n    base: a\n    wo‸rkdir: /x\n", []string{"**Working directory** (`workdir`"}},
		{"not on a value", "base: alp‸ine\n", nil},
		{"wasm key", "wasm:\n  opt_le‸vel: Oz\n", []string{"**Optimization level**", "Default: `Oz`"}},
		{"stage name", "stages:\n  bu‸ild:\n    base: alpine\n", []string{"**stage build** (index 0)", "base: `alpine`"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, at := c.openAt(dir, tt.text)
			var h *protocol.Hover
			if err := c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: positionParams(u, at)}, &h); err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if h != nil {
					t.Errorf("hover = %#v, want none", h.Contents)
				}
				return
			}
			mc, _ := h.Contents.(*protocol.MarkupContent)
			for _, w := range tt.want {
				if mc == nil || !strings.Contains(mc.Value, w) {
					t.Errorf("hover = %#v, want %q", h.Contents, w)
				}
			}
		})
	}
}

// TestZImagefileCompletionWhileTyping runs completion and hover at every
// position of every prefix of a ZImagefile, as a user typing it produces
// them: no panic, and every item replaces text that ends at the cursor.
func TestZImagefileCompletionWhileTyping(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler), zschema: sync.OnceValues(loadZSchema)}
	zs, err := s.zschema()
	if err != nil {
		t.Fatal(err)
	}
	text := sampleZImage + "wasm:\n  target: preview2\nhealthcheck:\n  cmd: [true]\n"
	for n := 0; n <= len(text); n++ {
		snap := analyzeText("ZImagefile", langZImagefile, []byte(text[:n]), Settings{}, 1<<20)
		m := mapper{f: snap.file}
		for line := 1; line <= snap.file.LineCount(); line++ {
			if n < len(text) && line < snap.file.LineCount()-1 {
				continue // earlier lines are covered by the whole text
			}
			for col := 0; col <= len(snap.file.LineText(line)); col++ {
				at := source.Pos{Line: line, Col: col}
				c := &completer{s: s, snap: snap, m: m, at: at, seen: map[string]bool{}}
				c.zimage()
				for _, it := range c.items {
					if e, _ := it.TextEdit.(*protocol.TextEdit); e == nil || e.Range.End != m.lspPos(at) || m.pos(e.Range.Start).Line != line {
						t.Fatalf("prefix %d, at %v: item %q edits %#v", n, at, it.Label, it.TextEdit)
					}
				}
				snap.hoverText(zs, at)
			}
		}
	}
}
