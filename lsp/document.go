package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/zlayer/zlayer/source"
)

// language is the kind of build file a document holds.
type language int

const (
	langUnknown language = iota
	langZImagefile
	langDockerfile
)

func (l language) String() string {
	switch l {
	case langZImagefile:
		return "zimagefile"
	case langDockerfile:
		return "dockerfile"
	}
	return "unknown"
}

// detectLanguage decides by the client's language id, then by file name
// (spec §1.3, design §3). Other YAML files are never claimed.
func detectLanguage(languageID, path string) language {
	switch strings.ToLower(languageID) {
	case "zimagefile":
		return langZImagefile
	case "dockerfile", "containerfile":
		return langDockerfile
	}
	base := filepath.Base(path)
	switch {
	case isZImagefileName(base):
		return langZImagefile
	case isDockerfileName(base):
		return langDockerfile
	}
	return langUnknown
}

// document is one open text document. Its text changes under mu; the
// analysis of each generation is computed at most once (under parseMu) and
// cached while the document is among the recently used ones (see recent);
// the server's scheduler publishes diagnostics for the latest one.
type document struct {
	s    *Server
	uri  uri.URI
	path string
	lang language

	mu      sync.Mutex
	text    []byte
	version int32
	gen     uint64 // bumped by every edit and settings change
	extra   uint64 // bumped when build results for the file change
	cached  *snapshot

	parseMu sync.Mutex
	// sched is guarded by the scheduler's lock.
	sched schedState
	// published is what the last publish was computed from; only the
	// worker holding the document touches it.
	published struct{ gen, extra uint64 }
}

// newDocument makes a document; start queues its first analysis.
func (s *Server) newDocument(u uri.URI, lang language, text []byte, version int32) (d *document, start func()) {
	d = &document{s: s, uri: u, path: uriPath(u), lang: lang, text: text, version: version, gen: 1}
	return d, func() { s.sched.open(d) }
}

// uriPath is the file-system path of a file: URI, or the URI's path for
// other schemes (untitled:, …), which is enough to pick the language.
func uriPath(u uri.URI) string {
	if u.IsFile() {
		return u.FsPath()
	}
	return u.Path()
}

// poke asks the scheduler to bring the document's diagnostics up to
// date; pokes coalesce while it waits or is being worked on.
func (d *document) poke() { d.s.sched.poke(d) }

// update publishes the diagnostics of the latest generation unless they
// were already published, so superseded generations are skipped. It
// reports whether it published.
func (d *document) update(ctx context.Context) (published bool) {
	snap := d.snapshot()
	d.mu.Lock()
	e := d.extra
	d.mu.Unlock()
	if snap.gen == d.published.gen && e == d.published.extra {
		return false
	}
	d.published.gen, d.published.extra = snap.gen, e
	d.s.sched.collectIfDue()
	d.s.publish(ctx, d, snap)
	return true
}

// close takes the document out of the scheduler and the recently used
// ones; nothing is published for it afterwards.
func (d *document) close() {
	d.s.sched.remove(d)
	d.s.recent.drop(d)
}

// forget drops the cached analysis; the next request analyses the text
// again.
func (d *document) forget() {
	d.mu.Lock()
	d.cached = nil
	d.mu.Unlock()
}

// republish publishes the diagnostics again (build results changed).
func (d *document) republish() {
	d.mu.Lock()
	d.extra++
	d.mu.Unlock()
	d.poke()
}

// invalidate forces a new analysis (settings changed).
func (d *document) invalidate() {
	d.mu.Lock()
	d.gen++
	d.mu.Unlock()
	d.poke()
}

// snapshot returns the analysis of the current text, computing it if this
// generation has not been analysed yet or its analysis was forgotten.
// Concurrent callers share one parse.
func (d *document) snapshot() *snapshot {
	snap := d.analysis()
	if old := d.s.recent.use(d); old != nil {
		old.forget()
	}
	return snap
}

func (d *document) analysis() *snapshot {
	d.mu.Lock()
	if c := d.cached; c != nil && c.gen == d.gen {
		d.mu.Unlock()
		return c
	}
	d.mu.Unlock()

	d.parseMu.Lock()
	defer d.parseMu.Unlock()
	d.mu.Lock()
	if c := d.cached; c != nil && c.gen == d.gen {
		d.mu.Unlock()
		return c
	}
	text, version, gen, prev := d.text, d.version, d.gen, d.cached
	d.mu.Unlock()

	d.s.analyses <- struct{}{}
	snap := d.s.reanalyze(d, text, version, gen, prev)
	<-d.s.analyses

	d.mu.Lock()
	if d.cached == nil || d.cached.gen < snap.gen {
		d.cached = snap
	}
	d.mu.Unlock()
	return snap
}

// applyChanges applies content changes (full or incremental) in order.
func (d *document) applyChanges(version int32, changes []protocol.TextDocumentContentChangeEvent, utf8 bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	text := d.text
	for _, ch := range changes {
		switch c := ch.(type) {
		case *protocol.TextDocumentContentChangeWholeDocument:
			text = []byte(c.Text)
		case *protocol.TextDocumentContentChangePartial:
			m := mapper{f: source.NewFile(d.path, text), utf8: utf8}
			start, end := m.offset(c.Range.Start), m.offset(c.Range.End)
			if end < start { // a reversed range: apply it to the span it covers
				start, end = end, start
			}
			next := make([]byte, 0, len(text)-(end-start)+len(c.Text))
			next = append(next, text[:start]...)
			next = append(next, c.Text...)
			text = append(next, text[end:]...)
		default:
			return fmt.Errorf("%s: unsupported content change %T", d.uri, ch)
		}
	}
	d.text, d.version = text, version
	d.gen++
	return nil
}

// DidOpen implements protocol.Server.
func (s *Server) DidOpen(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
	td := p.TextDocument
	// The decoded URI shares memory with the whole message; a copy lets
	// the message go.
	u := uri.URI(strings.Clone(string(td.URI)))
	lang := detectLanguage(string(td.LanguageID), uriPath(u))
	d, start := s.newDocument(u, lang, []byte(td.Text), td.Version)
	s.mu.Lock()
	old := s.docs[u]
	s.docs[u] = d
	s.mu.Unlock()
	if old != nil {
		old.close()
	}
	// Only now, with the document where a settings change finds it, does
	// its first analysis start; otherwise that change could be lost.
	start()
	return nil
}

// DidChange implements protocol.Server. It only edits the text and wakes
// the worker: analysis never runs on the read loop.
func (s *Server) DidChange(ctx context.Context, p *protocol.DidChangeTextDocumentParams) error {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return fmt.Errorf("didChange for %s, which is not open", p.TextDocument.URI)
	}
	if err := d.applyChanges(p.TextDocument.Version, p.ContentChanges, s.utf8()); err != nil {
		return err
	}
	d.poke()
	return nil
}

// DidClose implements protocol.Server. Diagnostics of a closed file are
// cleared.
func (s *Server) DidClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	if d == nil {
		return nil
	}
	d.close()
	return s.client.PublishDiagnostics(s.ctx, &protocol.PublishDiagnosticsParams{
		URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{},
	})
}

func (s *Server) doc(u uri.URI) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[u]
}

func (s *Server) utf8() bool { return s.clientCaps().utf8 }

func (s *Server) clientCaps() clientCaps {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps
}

// errUnknownDocument answers requests about documents that are not open.
func errUnknownDocument(u uri.URI) error {
	return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "document %s is not open", u)
}

// snapshotFor returns the current analysis of an open document, or an
// error for a document that was never opened.
func (s *Server) snapshotFor(u uri.URI) (*snapshot, error) {
	d := s.doc(u)
	if d == nil {
		return nil, errUnknownDocument(u)
	}
	return d.snapshot(), nil
}
