package lsp

import (
	"fmt"
	"slices"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// decodeTokens turns semantic token data back into "line:col+len type mods"
// strings with absolute positions.
func decodeTokens(t *testing.T, data []uint32) []string {
	t.Helper()
	if len(data)%5 != 0 {
		t.Fatalf("token data has %d numbers, not a multiple of 5", len(data))
	}
	var out []string
	var line, col uint32
	for i := 0; i < len(data); i += 5 {
		if data[i] > 0 {
			line, col = line+data[i], data[i+1]
		} else {
			col += data[i+1]
		}
		mod := ""
		if data[i+4]&modDeclaration != 0 {
			mod = " declaration"
		}
		out = append(out, fmt.Sprintf("%d:%d+%d %s%s", line, col, data[i+2], tokenTypes[data[i+3]], mod))
	}
	return out
}

func (c *testClient) semanticTokens(u uri.URI) []string {
	c.t.Helper()
	var res protocol.SemanticTokens
	if err := c.call(protocol.MethodTextDocumentSemanticTokensFull, &protocol.SemanticTokensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &res); err != nil {
		c.t.Fatal(err)
	}
	return decodeTokens(c.t, res.Data)
}

func TestSemanticTokens(t *testing.T) {
	// "é" is two UTF-8 bytes and one UTF-16 unit, so the columns after it
	// differ between the encodings.
	zimageText := "args:\n  V: \"é\"\nstages:\n  build:\n    base: alpine\n    args:\n      V: \"\"\n    steps:\n      - run: echo é ${V}\n  final:\n    base: build\n"
	dockerText := "ARG V=1\nFROM alpine AS build\nCOPY --chown=1 a /é/$V\nFROM build\nCOPY --from=build /a /b\n"
	for _, tt := range []struct {
		name, file, lang, text string
		utf8                   bool
		want                   []string
	}{
		{"zimagefile utf-16", "ZImagefile", "zimagefile", zimageText, false, []string{
			"1:2+1 variable declaration", "3:2+5 class declaration", "6:6+1 variable declaration",
			"8:8+3 keyword", "8:22+1 variable", "9:2+5 class declaration", "10:10+5 class"}},
		{"zimagefile utf-8", "ZImagefile", "zimagefile", zimageText, true, []string{
			"1:2+1 variable declaration", "3:2+5 class declaration", "6:6+1 variable declaration",
			"8:8+3 keyword", "8:23+1 variable", "9:2+5 class declaration", "10:10+5 class"}},
		{"dockerfile", "Dockerfile", "dockerfile", dockerText, false, []string{
			"0:0+3 keyword", "0:4+1 variable declaration", "1:0+4 keyword", "1:15+5 class declaration",
			"2:0+4 keyword", "2:5+7 parameter", "2:21+1 variable", "3:0+4 keyword", "3:5+5 class",
			"4:0+4 keyword", "4:5+6 parameter", "4:12+5 class"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := startServer(t, func(p *protocol.InitializeParams) {
				if tt.utf8 {
					p.Capabilities.General = &protocol.GeneralClientCapabilities{PositionEncodings: []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF8}}
				}
			})
			u := c.open(writeFile(t, t.TempDir(), tt.file, tt.text), tt.lang, tt.text)
			if got := c.semanticTokens(u); !slices.Equal(got, tt.want) {
				t.Errorf("tokens:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
