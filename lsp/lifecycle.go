package lsp

import (
	"context"
	"slices"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// Commands the server executes (design §3).
const (
	cmdBuildStage  = "zlayer.buildStage"
	cmdBuildImage  = "zlayer.buildImage"
	cmdCancelBuild = "zlayer.cancelBuild"
	cmdConvert     = "zlayer.convert"
)

// clientCaps is what the server uses of the client's capabilities.
type clientCaps struct {
	utf8             bool // positions count UTF-8 bytes
	snippets         bool
	markdownHover    bool
	markdownDocs     bool // completion documentation
	workDoneProgress bool
	configuration    bool
	symbolHierarchy  bool
}

func readCaps(p *protocol.InitializeParams) clientCaps {
	var c clientCaps
	cp := p.Capabilities
	if cp.General != nil && slices.Contains(cp.General.PositionEncodings, protocol.PositionEncodingKindUTF8) {
		c.utf8 = true
	}
	if w := cp.Window; w != nil && w.WorkDoneProgress != nil {
		c.workDoneProgress = *w.WorkDoneProgress
	}
	if w := cp.Workspace; w != nil && w.Configuration != nil {
		c.configuration = *w.Configuration
	}
	td := cp.TextDocument
	if td == nil {
		return c
	}
	if h := td.Hover; h != nil {
		c.markdownHover = len(h.ContentFormat) == 0 || slices.Contains(h.ContentFormat, protocol.MarkupKindMarkdown)
	}
	if co := td.Completion; co != nil && co.CompletionItem != nil {
		ci := co.CompletionItem
		c.snippets = ci.SnippetSupport != nil && *ci.SnippetSupport
		c.markdownDocs = slices.Contains(ci.DocumentationFormat, protocol.MarkupKindMarkdown)
	}
	if ds := td.DocumentSymbol; ds != nil && ds.HierarchicalDocumentSymbolSupport != nil {
		c.symbolHierarchy = *ds.HierarchicalDocumentSymbolSupport
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// Initialize implements protocol.Server.
func (s *Server) Initialize(ctx context.Context, p *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	s.mu.Lock()
	if s.state != stateNew {
		s.mu.Unlock()
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize sent twice")
	}
	s.state = stateRunning
	s.caps = readCaps(p)
	if set, err := parseSettings(p.InitializationOptions); err != nil {
		s.log.Warn("ignoring initializationOptions", "error", err)
	} else {
		s.initOptions, s.settings = set, set
	}
	caps := s.caps
	s.mu.Unlock()

	enc := protocol.PositionEncodingKindUTF16
	if caps.utf8 {
		enc = protocol.PositionEncodingKindUTF8
	}
	return &protocol.InitializeResult{
		ServerInfo: protocol.ServerInfo{Name: "zlayer-lsp", Version: protocol.NewOptional(Version)},
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding: enc,
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: ptr(true),
				Change:    ptr(protocol.TextDocumentSyncKindIncremental),
			},
			CompletionProvider: &protocol.CompletionOptions{
				TriggerCharacters: []string{":", " ", "$", "{", "=", "-"},
			},
			HoverProvider:          protocol.Boolean(true),
			DefinitionProvider:     protocol.Boolean(true),
			ReferencesProvider:     protocol.Boolean(true),
			DocumentSymbolProvider: protocol.Boolean(true),
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix, protocol.CodeActionKind("source.build")},
			},
			CodeLensProvider:       &protocol.CodeLensOptions{},
			RenameProvider:         &protocol.RenameOptions{PrepareProvider: ptr(true)},
			FoldingRangeProvider:   protocol.Boolean(true),
			SemanticTokensProvider: semanticTokensOptions(),
			ExecuteCommandProvider: protocol.ExecuteCommandOptions{Commands: []string{cmdBuildStage, cmdBuildImage, cmdCancelBuild, cmdConvert}},
		},
	}, nil
}

// Initialized implements protocol.Server. Settings are then fetched with
// workspace/configuration from a goroutine: a server→client request made
// inline would block the read loop that must deliver its reply.
func (s *Server) Initialized(ctx context.Context, _ *protocol.InitializedParams) error {
	go s.fetchSettings()
	return nil
}

// DidChangeConfiguration implements protocol.Server. Clients that push
// settings send them here; others send null and are asked again.
func (s *Server) DidChangeConfiguration(ctx context.Context, p *protocol.DidChangeConfigurationParams) error {
	set, err := parseSettings(p.Settings)
	if err == nil && !isEmptySettings(p.Settings) {
		s.applySettings(set)
		return nil
	}
	go s.fetchSettings()
	return nil
}

func isEmptySettings(raw []byte) bool {
	switch string(raw) {
	case "", "null", "{}":
		return true
	}
	return false
}

// fetchSettings asks the client for section "zlayer" and re-analyses every
// document with the answer. Clients without workspace/configuration keep
// the initializationOptions.
func (s *Server) fetchSettings() {
	s.mu.Lock()
	ok := s.caps.configuration
	s.mu.Unlock()
	if !ok {
		return
	}
	res, err := s.client.Configuration(s.ctx, &protocol.ConfigurationParams{
		Items: []protocol.ConfigurationItem{{Section: ptr("zlayer")}},
	})
	if err != nil || len(res) == 0 {
		if err != nil {
			s.log.Debug("workspace/configuration failed", "error", err)
		}
		return
	}
	if isEmptySettings(res[0]) {
		return
	}
	set, err := parseSettings(res[0])
	if err != nil {
		s.log.Warn("ignoring workspace/configuration answer", "error", err)
		return
	}
	s.applySettings(set)
}

// applySettings replaces the settings and re-analyses every open document
// (lint.rules changes severities).
func (s *Server) applySettings(set Settings) {
	s.mu.Lock()
	s.settings = set
	docs := make([]*document, 0, len(s.docs))
	for _, d := range s.docs {
		docs = append(docs, d)
	}
	s.mu.Unlock()
	for _, d := range docs {
		d.invalidate()
	}
}

func (s *Server) currentSettings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}
