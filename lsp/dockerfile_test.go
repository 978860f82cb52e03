package lsp

import (
	"context"
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
