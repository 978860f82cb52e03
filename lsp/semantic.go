package lsp

import (
	"context"
	"slices"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/source"
)

// Semantic token types and modifiers, in legend order. They mark what the
// grammar of an editor cannot know: which words are stage names and
// variables, and which keys are step kinds.
var (
	tokenTypes     = []string{"keyword", "class", "variable", "parameter"}
	tokenModifiers = []string{"declaration"}
)

const (
	tokKeyword = iota
	tokClass
	tokVariable
	tokParameter
)

const modDeclaration = 1 << 0

// semanticTokensOptions is the server capability.
func semanticTokensOptions() *protocol.SemanticTokensOptions {
	return &protocol.SemanticTokensOptions{
		Legend: protocol.SemanticTokensLegend{TokenTypes: tokenTypes, TokenModifiers: tokenModifiers},
		Full:   protocol.Boolean(true),
	}
}

// token is one semantic token before encoding.
type token struct {
	rng       source.Range
	typ, mods uint32
}

// SemanticTokensFull implements protocol.Server: instruction keywords and
// step kinds, Dockerfile flags, stage names and variables, from the
// document's outline.
func (s *Server) SemanticTokensFull(ctx context.Context, p *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	snap, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	return &protocol.SemanticTokens{Data: encodeTokens(s.mapperFor(snap), snap.tokens())}, nil
}

// tokens lists the semantic tokens of a snapshot in any order.
func (snap *snapshot) tokens() []token {
	var out []token
	for _, r := range snap.outline.refs {
		t := token{rng: r.rng, typ: tokVariable}
		if r.kind == refStage {
			t.typ = tokClass
		}
		if r.def {
			t.mods = modDeclaration
		}
		out = append(out, t)
	}
	if snap.df != nil {
		for _, in := range snap.df.Instructions {
			out = append(out, token{rng: in.KeywordRange, typ: tokKeyword})
			for _, fl := range in.Flags {
				out = append(out, token{rng: fl.NameRange, typ: tokParameter})
			}
		}
		return out
	}
	steps := snap.outline.steps
	for _, st := range snap.outline.stages {
		steps = append(steps, st.steps...)
	}
	for _, step := range steps {
		out = append(out, token{rng: step.sel, typ: tokKeyword})
	}
	return out
}

// encodeTokens sorts tokens and encodes them relative to each other, as
// LSP wants. Empty, multi-line and overlapping tokens are left out: not
// every client supports the last two.
func encodeTokens(m mapper, toks []token) []uint32 {
	slices.SortFunc(toks, func(a, b token) int {
		switch {
		case a.rng.Start.Before(b.rng.Start):
			return -1
		case b.rng.Start.Before(a.rng.Start):
			return 1
		}
		return 0
	})
	data := []uint32{}
	var prev protocol.Position
	var prevEnd source.Pos
	for _, t := range toks {
		r := t.rng
		if r.Start.Line != r.End.Line || !r.Start.Before(r.End) || r.Start.Before(prevEnd) {
			continue
		}
		start, end := m.lspPos(r.Start), m.lspPos(r.End)
		line, col := start.Line-prev.Line, start.Character
		if line == 0 {
			col -= prev.Character
		}
		data = append(data, line, col, end.Character-start.Character, t.typ, t.mods)
		prev, prevEnd = start, r.End
	}
	return data
}
