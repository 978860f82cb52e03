package lsp

import (
	"context"
	"regexp"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/source"
)

// at returns the snapshot and cursor of a position request.
func (s *Server) at(p protocol.TextDocumentPositionParams) (*snapshot, mapper, source.Pos, error) {
	snap, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, mapper{}, source.Pos{}, err
	}
	m := s.mapperFor(snap)
	return snap, m, m.pos(p.Position), nil
}

// DocumentSymbol implements protocol.Server: stages with their steps.
func (s *Server) DocumentSymbol(ctx context.Context, p *protocol.DocumentSymbolParams) (protocol.DocumentSymbolResult, error) {
	snap, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	m := s.mapperFor(snap)
	out := protocol.DocumentSymbolSlice{}
	for _, st := range snap.outline.stages {
		sel := st.nameRange
		if sel.IsZero() {
			sel = st.baseRange
		}
		detail := "FROM " + st.base
		if snap.lang == langZImagefile {
			detail = "base: " + st.base
		}
		sym := protocol.DocumentSymbol{
			Name: st.displayName(), Detail: &detail, Kind: protocol.SymbolKindClass,
			Range: m.lspRange(st.rng), SelectionRange: m.lspRange(clampInside(sel, st.rng)),
			Children: []protocol.DocumentSymbol{},
		}
		for _, step := range st.steps {
			sym.Children = append(sym.Children, protocol.DocumentSymbol{
				Name: step.label, Kind: protocol.SymbolKindMethod,
				Range: m.lspRange(step.rng), SelectionRange: m.lspRange(clampInside(step.sel, step.rng)),
			})
		}
		out = append(out, sym)
	}
	return out, nil
}

// clampInside returns sel, or the start of outer when sel is not inside
// it (LSP requires the selection range to be contained in the range).
func clampInside(sel, outer source.Range) source.Range {
	if sel.IsZero() || sel.Start.Before(outer.Start) || outer.End.Before(sel.End) {
		return source.Range{Start: outer.Start, End: outer.Start}
	}
	return sel
}

// FoldingRanges implements protocol.Server: stages, multi-line steps and
// values.
func (s *Server) FoldingRanges(ctx context.Context, p *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	snap, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	out := []protocol.FoldingRange{}
	seen := map[[2]int]bool{}
	add := func(r source.Range) {
		start, end := r.Start.Line-1, r.End.Line-1
		if r.End.Col == 0 && end > start {
			end-- // a range ending at the start of a line does not cover it
		}
		if end <= start || seen[[2]int{start, end}] {
			return
		}
		seen[[2]int{start, end}] = true
		out = append(out, protocol.FoldingRange{StartLine: uint32(start), EndLine: uint32(end), Kind: protocol.FoldingRangeKindRegion})
	}
	for _, st := range snap.outline.stages {
		add(st.rng)
		for _, step := range st.steps {
			add(step.rng)
		}
	}
	for _, r := range snap.outline.folds {
		add(r)
	}
	return out, nil
}

// Definition implements protocol.Server: a stage reference goes to the
// stage's name, a variable to its definition in scope.
func (s *Server) Definition(ctx context.Context, p *protocol.DefinitionParams) (protocol.DefinitionResult, error) {
	snap, m, at, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	r := snap.outline.refAt(at)
	if r == nil {
		return protocol.LocationSlice{}, nil
	}
	def := snap.outline.definitionOf(r)
	if def == nil {
		return protocol.LocationSlice{}, nil
	}
	return protocol.LocationSlice{{URI: p.TextDocument.URI, Range: m.lspRange(def.rng)}}, nil
}

// References implements protocol.Server.
func (s *Server) References(ctx context.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
	snap, m, at, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	out := []protocol.Location{}
	r := snap.outline.refAt(at)
	if r == nil {
		return out, nil
	}
	for _, x := range snap.outline.related(r) {
		if x.def && !p.Context.IncludeDeclaration {
			continue
		}
		out = append(out, protocol.Location{URI: p.TextDocument.URI, Range: m.lspRange(x.rng)})
	}
	return out, nil
}

// PrepareRename implements protocol.Server: stage names and variables can
// be renamed.
func (s *Server) PrepareRename(ctx context.Context, p *protocol.PrepareRenameParams) (protocol.PrepareRenameResult, error) {
	snap, m, at, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	r := snap.outline.refAt(at)
	if r == nil || snap.outline.definitionOf(r) == nil {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "only stage names and variables can be renamed")
	}
	return &protocol.PrepareRenamePlaceholder{Range: m.lspRange(r.rng), Placeholder: r.name}, nil
}

var (
	stageNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	varNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Rename implements protocol.Server: every occurrence of the stage or
// variable is rewritten.
func (s *Server) Rename(ctx context.Context, p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	snap, m, at, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	r := snap.outline.refAt(at)
	if r == nil || snap.outline.definitionOf(r) == nil {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "only stage names and variables can be renamed")
	}
	valid := varNameRE
	if r.kind == refStage {
		valid = stageNameRE
		if snap.outline.stageNamed(p.NewName, true) != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "a stage named %q already exists", p.NewName)
		}
	}
	if !valid.MatchString(p.NewName) {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%q is not a valid %s name", p.NewName, kindName(r.kind))
	}
	edits := []protocol.TextEdit{}
	for _, x := range snap.outline.related(r) {
		edits = append(edits, protocol.TextEdit{Range: m.lspRange(x.rng), NewText: p.NewName})
	}
	return &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{p.TextDocument.URI: edits}}, nil
}

func kindName(k refKind) string {
	if k == refStage {
		return "stage"
	}
	return "variable"
}
