package lsp

import (
	"context"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// FuzzServer feeds random documents, edits and requests to a live server
// and checks that it answers every request and keeps publishing
// diagnostics for the latest version.
func FuzzServer(f *testing.F) {
	f.Add([]byte(sampleZImage), []byte{0, 3, 4, 9, 1, 2, 7, 7, 5, 200, 3, 1})
	f.Add([]byte(sampleDockerfile), []byte{1, 8, 14, 0, 2, 8, 12, 6, 4, 1, 1})
	f.Add([]byte("stages:\n  a:\n    base: x\n    steps:\n      - ru"), []byte{0, 4, 9, 2, 5, 0, 0, 9})
	f.Add([]byte("FROM a AS b\nRUN --mount=type=cache,from=b \\\n  echo $X\n"), []byte{1, 1, 20, 3, 2, 6, 8})
	f.Fuzz(func(t *testing.T, text, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		c, _ := startServer(t, nil)
		name := "ZImagefile"
		if len(ops) > 0 && ops[0]%2 == 1 {
			name = "Dockerfile"
		}
		u := uri.File("/fuzz/" + name)
		c.open("/fuzz/"+name, "", string(text))
		version := int32(1)
		for i := 1; i+2 < len(ops); i += 3 {
			op, l, ch := ops[i]%10, uint32(ops[i+1]%16), uint32(ops[i+2]%40)
			at := positionParams(u, pos(l, ch))
			var out any
			switch op {
			case 0, 1:
				version++
				ins := string(text[:min(len(text), int(ops[i+2]%8))])
				c.change(u, version, edit(l, ch, l+uint32(op), ch/2, ins))
			case 2:
				_ = c.call(protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: at}, &out)
			case 3:
				_ = c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: at}, &out)
			case 4:
				_ = c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: at}, &out)
			case 5:
				_ = c.call(protocol.MethodTextDocumentReferences, &protocol.ReferenceParams{TextDocumentPositionParams: at, Context: protocol.ReferenceContext{IncludeDeclaration: true}}, &out)
			case 6:
				_ = c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: at, NewName: "renamed"}, &out)
			case 7:
				_ = c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: at.TextDocument, Range: rng(l, 0, l+2, ch)}, &out)
			case 8:
				_ = c.call(protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: at.TextDocument}, &out)
				_ = c.call(protocol.MethodTextDocumentFoldingRange, &protocol.FoldingRangeParams{TextDocument: at.TextDocument}, &out)
			case 9:
				_ = c.call(protocol.MethodTextDocumentCodeLens, &protocol.CodeLensParams{TextDocument: at.TextDocument}, &out)
				_ = c.call(protocol.MethodTextDocumentSemanticTokensFull, &protocol.SemanticTokensParams{TextDocument: at.TextDocument}, &out)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var syms any
		if _, err := c.conn.Call(ctx, protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms); err != nil {
			t.Fatalf("server not responsive after the edits: %v", err)
		}
		c.diagnosticsFor(u, version)
	})
}
