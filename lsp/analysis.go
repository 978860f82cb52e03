package lsp

import (
	"bytes"
	"fmt"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// snapshot is the analysis of one generation of a document: the parse
// result shared by every feature.
type snapshot struct {
	gen     uint64
	version int32
	lang    language
	file    *source.File
	// skipped is set when the document was too large or binary to analyse.
	skipped bool
	diags   []diag.Diagnostic
}

// analyze parses text with the shared front end for its language and
// computes everything the features need.
func (s *Server) analyze(d *document, text []byte, version int32, gen uint64) *snapshot {
	snap := &snapshot{gen: gen, version: version, lang: d.lang, file: source.NewFile(d.path, text)}
	if reason := unanalysable(text, s.opts.MaxDocumentSize); reason != "" {
		snap.skipped = true
		if d.lang != langUnknown {
			snap.diags = []diag.Diagnostic{{
				File: d.path, Severity: diag.Warning, Code: "ZL001", Source: "zlayer",
				Message: fmt.Sprintf("%s is not analysed: %s", d.path, reason),
			}}
		}
		return snap
	}
	return snap
}

// unanalysable explains why a text is not parsed at all: too large, or
// binary (a NUL byte). It returns "" for normal text.
func unanalysable(text []byte, maxSize int) string {
	switch {
	case len(text) > maxSize:
		return fmt.Sprintf("the document is %d bytes, more than the %d bytes the server analyses", len(text), maxSize)
	case bytes.IndexByte(text, 0) >= 0:
		return "the document contains NUL bytes and looks binary"
	}
	return ""
}
