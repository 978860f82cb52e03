package lsp

import (
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/source"
)

// mapper converts between the toolkit's positions (1-based line, byte
// column) and LSP positions (0-based line, column in the negotiated
// encoding) for one version of a document.
type mapper struct {
	f    *source.File
	utf8 bool // columns count bytes instead of UTF-16 units
}

// pos converts an LSP position to a source position. Lines and columns past
// the end are clamped, so out-of-range requests never fail.
func (m mapper) pos(p protocol.Position) source.Pos {
	if int(p.Line) >= m.f.LineCount() {
		last := m.f.LineCount()
		return source.Pos{Line: last, Col: m.f.LineLen(last)}
	}
	line := int(p.Line)
	if m.utf8 {
		sp := m.f.PosFromUTF8(line, int(p.Character))
		// Never split a rune.
		s := m.f.LineText(sp.Line)
		for sp.Col > 0 && sp.Col < len(s) && !utf8.RuneStart(s[sp.Col]) {
			sp.Col--
		}
		return sp
	}
	return m.f.PosFromUTF16(line, int(p.Character))
}

// lspPos converts a source position to an LSP position.
func (m mapper) lspPos(p source.Pos) protocol.Position {
	line := max(p.Line, 1)
	if line > m.f.LineCount() {
		line = m.f.LineCount()
		p = source.Pos{Line: line, Col: m.f.LineLen(line)}
	}
	p.Line = line
	col := 0
	if m.utf8 {
		col = min(max(p.Col, 0), m.f.LineLen(line))
	} else {
		col = m.f.UTF16Col(source.Pos{Line: line, Col: max(p.Col, 0)})
	}
	return protocol.Position{Line: uint32(line - 1), Character: uint32(col)}
}

// lspRange converts a source range to an LSP range.
func (m mapper) lspRange(r source.Range) protocol.Range {
	return protocol.Range{Start: m.lspPos(r.Start), End: m.lspPos(r.End)}
}

// rng converts an LSP range to a source range.
func (m mapper) rng(r protocol.Range) source.Range {
	return source.Range{Start: m.pos(r.Start), End: m.pos(r.End)}
}

// offset converts an LSP position to a byte offset in the text.
func (m mapper) offset(p protocol.Position) int {
	return m.f.Offset(m.pos(p))
}
