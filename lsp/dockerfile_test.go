package lsp

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

const sampleDockerfile = `# syntax=docker/dockerfile:1
ARG GO=1.22
FROM golang:${GO} AS build
WORKDIR /src
COPY main.go .
RUN go build -o /out/app .

FROM alpine:3.20 AS final
COPY --from=build /out/app /usr/local/bin/app
CMD ["app"]
`

func TestDockerfileNavigation(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.go", "package main\n")
	c, _ := startServer(t, nil)
	u := c.open(writeFile(t, dir, "Dockerfile", sampleDockerfile), "dockerfile", sampleDockerfile)
	if ds := c.diagnosticsFor(u, 1); len(ds) != 0 {
		t.Errorf("diagnostics of a clean Dockerfile:\n%s", summary(ds))
	}

	var syms []protocol.DocumentSymbol
	if err := c.call(protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range syms {
		line := s.Name + " " + fmtRange(s.Range) + " sel " + fmtRange(s.SelectionRange) + ":"
		for _, ch := range s.Children {
			line += " [" + ch.Name + " " + fmtRange(ch.Range) + "]"
		}
		got = append(got, line)
	}
	want := []string{
		"build 2:0-5:26 sel 2:21-2:26: [WORKDIR /src 3:0-3:12] [COPY main.go . 4:0-4:14] [RUN go build -o /out/app . 5:0-5:26]",
		"final 7:0-9:11 sel 7:20-7:25: [COPY --from=build /out/app /usr/local/bin/app 8:0-8:45] [CMD [\"app\"] 9:0-9:11]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("symbols:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Definition of the stage named in --from, and of ${GO}.
	for _, tt := range []struct {
		at   protocol.Position
		want string
	}{
		{pos(8, 14), "2:21-2:26"},
		{pos(2, 15), "1:4-1:6"},
	} {
		var locs []protocol.Location
		if err := c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: tt.at}}, &locs); err != nil {
			t.Fatal(err)
		}
		if len(locs) != 1 || fmtRange(locs[0].Range) != tt.want {
			t.Errorf("definition at %v = %v, want %s", tt.at, locs, tt.want)
		}
	}

	// Rename the build stage: the AS name and the --from value change.
	var we protocol.WorkspaceEdit
	if err := c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: pos(2, 23)}, NewName: "compile"}, &we); err != nil {
		t.Fatal(err)
	}
	var edits []string
	for _, e := range we.Changes[u] {
		edits = append(edits, fmtRange(e.Range)+"="+e.NewText)
	}
	if strings.Join(edits, " ") != "2:21-2:26=compile 8:12-8:17=compile" {
		t.Errorf("rename edits = %v", edits)
	}
	_ = context.Background()
}

func TestDockerfileCompletionHoverAndFixes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.go", "package main\n")
	c, _ := startServer(t, nil)
	text := sampleDockerfile + "MAINTAINER me@example.com\nCOPY --from= a b\nRUN --mount=type=cache,from= echo ${\nco\n"
	u := c.open(writeFile(t, dir, "Dockerfile", text), "dockerfile", text)
	ds := c.diagnosticsFor(u, 1)
	for _, tt := range []struct {
		name string
		at   protocol.Position
		want []string
	}{
		{"instructions", pos(13, 2), []string{"copy", "run", "from"}},
		{"earlier stages after --from=", pos(11, 12), []string{"build"}},
		{"stages in a mount's from=", pos(12, 28), []string{"build"}},
		{"flags", pos(11, 7), []string{"--from", "--chown", "--chmod"}},
		{"variables", pos(12, 36), []string{"GO"}},
	} {
		got := c.complete(u, tt.at)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: completion at %v = %v, missing %q", tt.name, tt.at, got, w)
			}
		}
	}
	var h protocol.Hover
	if err := c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: positionParams(u, pos(5, 1))}, &h); err != nil {
		t.Fatal(err)
	}
	if mc, _ := h.Contents.(*protocol.MarkupContent); mc == nil || !strings.Contains(mc.Value, "Run a command") {
		t.Errorf("hover on RUN = %#v", h.Contents)
	}
	var maint protocol.Diagnostic
	for _, d := range ds {
		if code(d) == "MaintainerDeprecated" {
			maint = d
		}
	}
	if code(maint) == "" {
		t.Fatalf("no MaintainerDeprecated diagnostic:\n%s", summary(ds))
	}
	var acts []protocol.CodeAction
	if err := c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: maint.Range}, &acts); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range acts {
		if a.Title == "Replace MAINTAINER with a LABEL" {
			found = true
			if e := a.Edit.Changes[u][0]; e.NewText != `LABEL org.opencontainers.image.authors="me@example.com"` || fmtRange(e.Range) != "10:0-10:25" {
				t.Errorf("MAINTAINER fix = %v", e)
			}
		}
	}
	if !found {
		t.Errorf("no MAINTAINER fix among %v", acts)
	}
	writeFile(t, dir, "x/main.go", "package main\n")
	var converted string
	if err := c.execute(cmdConvert, map[string]any{"uri": string(writeFile(t, dir, "x/Dockerfile", sampleDockerfile)), "to": "zimagefile"}, &converted); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(converted, "stages:") || !strings.Contains(converted, "from: build") {
		t.Errorf("converted:\n%s", converted)
	}
}
