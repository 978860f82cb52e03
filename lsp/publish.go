package lsp

import (
	"context"
	"path/filepath"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/diag"
)

// publish sends the diagnostics of a snapshot, plus the build failures
// recorded for the file, tagged with the snapshot's document version.
func (s *Server) publish(ctx context.Context, d *document, snap *snapshot) {
	m := s.mapperFor(snap)
	ds := append(snap.diags[:len(snap.diags):len(snap.diags)], s.builds.failures(d.path)...)
	out := make([]protocol.Diagnostic, 0, len(ds))
	for _, dg := range ds {
		out = append(out, s.toProtocol(m, d.uri, dg))
	}
	err := s.client.PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{
		URI:         d.uri,
		Version:     protocol.NewOptional(snap.version),
		Diagnostics: out,
	})
	if err != nil {
		s.log.Debug("publishDiagnostics failed", "error", err)
	}
}

var lspSeverity = map[diag.Severity]protocol.DiagnosticSeverity{
	diag.Error:   protocol.DiagnosticSeverityError,
	diag.Warning: protocol.DiagnosticSeverityWarning,
	diag.Info:    protocol.DiagnosticSeverityInformation,
	diag.Hint:    protocol.DiagnosticSeverityHint,
}

// toProtocol converts a toolkit diagnostic. Related information in the
// same file uses the document's URI; other files get file: URIs.
func (s *Server) toProtocol(m mapper, docURI uri.URI, d diag.Diagnostic) protocol.Diagnostic {
	pd := protocol.Diagnostic{
		Range:    m.lspRange(d.Range),
		Severity: lspSeverity[d.Severity],
		Message:  protocol.String(d.Message),
	}
	if pd.Severity == 0 {
		pd.Severity = protocol.DiagnosticSeverityError
	}
	if d.NoRange {
		pd.Range = protocol.Range{}
	}
	if d.Code != "" {
		pd.Code = protocol.String(d.Code)
	}
	if d.Source != "" {
		pd.Source = protocol.NewOptional(d.Source)
	}
	if d.URL != "" {
		pd.CodeDescription = protocol.CodeDescription{Href: uri.URI(d.URL)}
	}
	for _, r := range d.Related {
		loc := docURI
		if r.File != "" && filepath.Clean(r.File) != filepath.Clean(m.f.Name) {
			loc = uri.File(r.File)
		}
		pd.RelatedInformation = append(pd.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: loc, Range: m.lspRange(r.Range)},
			Message:  r.Message,
		})
	}
	return pd
}

// mapperFor returns the position mapper for a snapshot in the negotiated
// encoding.
func (s *Server) mapperFor(snap *snapshot) mapper {
	return mapper{f: snap.file, utf8: s.utf8()}
}
