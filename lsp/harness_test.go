package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// needTool returns the path of an external tool, skipping the test when it
// is missing — except under CI=true, where a missing tool is a failure.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// waitTimeout bounds every wait for the server; tests never assert on time.
const waitTimeout = 20 * time.Second

// note is a notification the test client received.
type note struct {
	method string
	params json.RawMessage
}

// testClient is an LSP client driving a real Server over net.Pipe with
// JSON-RPC framing, recording what the server sends.
type testClient struct {
	protocol.UnimplementedClient
	t      *testing.T
	conn   jsonrpc2.Conn
	server protocol.Server
	srv    *Server // the server under test, for white-box checks
	done   chan error

	// config answers workspace/configuration (nil: null).
	config json.RawMessage

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every record
	diags   map[uri.URI]*protocol.PublishDiagnosticsParams
	notes   []note
	configs int // workspace/configuration requests seen
	docs    int // documents opened by openAt
}

// startServer starts a server and a client; init customises the
// initialize params before they are sent.
func startServer(t *testing.T, init func(*protocol.InitializeParams)) (*testClient, *protocol.InitializeResult) {
	t.Helper()
	srvEnd, cliEnd := net.Pipe()
	c := &testClient{t: t, done: make(chan error, 1), changed: make(chan struct{}), diags: map[uri.URI]*protocol.PublishDiagnosticsParams{}}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *Server, 1)
	go func() { c.done <- Serve(ctx, srvEnd, Options{started: func(s *Server) { started <- s }}) }()
	c.srv = <-started

	c.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(cliEnd), jsonrpc2.WithCodec(codec{}))
	inner := protocol.ClientHandler(c, func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		c.record(note{method: strings.Clone(req.Method()), params: append(json.RawMessage(nil), req.Params()...)})
		return nil, nil
	})
	c.conn.Go(ctx, func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		if req.IsCall() {
			jsonrpc2.Async(ctx)
		}
		return inner(ctx, req)
	})
	c.server = protocol.ServerDispatcher(c.conn)
	t.Cleanup(func() {
		cancel()
		_ = c.conn.Close()
		select {
		case <-c.done:
		case <-time.After(waitTimeout):
			t.Error("server did not stop")
		}
	})

	p := &protocol.InitializeParams{
		Capabilities: protocol.ClientCapabilities{
			Window: &protocol.WindowClientCapabilities{WorkDoneProgress: ptr(true)},
			TextDocument: &protocol.TextDocumentClientCapabilities{
				Hover:          &protocol.HoverClientCapabilities{ContentFormat: []protocol.MarkupKind{protocol.MarkupKindMarkdown}},
				DocumentSymbol: &protocol.DocumentSymbolClientCapabilities{HierarchicalDocumentSymbolSupport: ptr(true)},
			},
		},
	}
	if init != nil {
		init(p)
	}
	res, err := c.server.Initialize(context.Background(), p)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if err := c.server.Initialized(context.Background(), &protocol.InitializedParams{}); err != nil {
		t.Fatalf("initialized: %v", err)
	}
	return c, res
}

func (c *testClient) record(n note) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, n)
	c.bump()
}

// bump wakes waiters; c.mu must be held.
func (c *testClient) bump() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// PublishDiagnostics implements protocol.Client.
func (c *testClient) PublishDiagnostics(ctx context.Context, p *protocol.PublishDiagnosticsParams) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *p
	c.diags[p.URI] = &cp
	c.bump()
	return nil
}

// ShowMessage implements protocol.Client.
func (c *testClient) ShowMessage(ctx context.Context, p *protocol.ShowMessageParams) error {
	b, _ := protocol.Marshal(p)
	c.record(note{method: protocol.MethodWindowShowMessage, params: b})
	return nil
}

// LogMessage implements protocol.Client.
func (c *testClient) LogMessage(ctx context.Context, p *protocol.LogMessageParams) error { return nil }

// Progress implements protocol.Client.
func (c *testClient) Progress(ctx context.Context, p *protocol.ProgressParams) error {
	c.record(note{method: protocol.MethodProgress, params: json.RawMessage(p.Value)})
	return nil
}

// WorkDoneProgressCreate implements protocol.Client.
func (c *testClient) WorkDoneProgressCreate(ctx context.Context, p *protocol.WorkDoneProgressCreateParams) error {
	return nil
}

// Configuration implements protocol.Client.
func (c *testClient) Configuration(ctx context.Context, p *protocol.ConfigurationParams) ([]protocol.LSPAny, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.configs++
	c.bump()
	out := make([]protocol.LSPAny, len(p.Items))
	for i := range out {
		out[i] = protocol.LSPAny("null")
		if c.config != nil {
			out[i] = protocol.LSPAny(c.config)
		}
	}
	return out, nil
}

// waitFor polls cond (under c.mu) until it holds or the wait times out.
func (c *testClient) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		c.mu.Lock()
		ok, ch := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			c.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// diagnosticsFor waits for diagnostics of a document version and returns
// them.
func (c *testClient) diagnosticsFor(u uri.URI, version int32) []protocol.Diagnostic {
	c.t.Helper()
	var out []protocol.Diagnostic
	c.waitFor(fmt.Sprintf("diagnostics of %s version %d", u, version), func() bool {
		p := c.diags[u]
		if p == nil {
			return false
		}
		if v, _ := p.Version.Get(); v != version {
			return false
		}
		out = p.Diagnostics
		return true
	})
	return out
}

// notesOf returns the recorded notifications of a method.
func (c *testClient) notesOf(method string) []note {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []note
	for _, n := range c.notes {
		if n.method == method {
			out = append(out, n)
		}
	}
	return out
}

// open opens a document with the given text and returns its URI.
func (c *testClient) open(path, languageID, text string) uri.URI {
	c.t.Helper()
	u := uri.File(path)
	err := c.server.DidOpen(context.Background(), &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: protocol.LanguageKind(languageID), Version: 1, Text: text,
	}})
	if err != nil {
		c.t.Fatalf("didOpen: %v", err)
	}
	return u
}

// change sends incremental edits.
func (c *testClient) change(u uri.URI, version int32, edits ...protocol.TextDocumentContentChangeEvent) {
	c.t.Helper()
	err := c.server.DidChange(context.Background(), &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: edits,
	})
	if err != nil {
		c.t.Fatalf("didChange: %v", err)
	}
}

// call sends a raw request and decodes the result into out.
func (c *testClient) call(method string, params, out any) error {
	_, err := c.conn.Call(context.Background(), method, params, out)
	return err
}

func edit(l1, c1, l2, c2 uint32, text string) *protocol.TextDocumentContentChangePartial {
	return &protocol.TextDocumentContentChangePartial{Range: rng(l1, c1, l2, c2), Text: text}
}

func rng(l1, c1, l2, c2 uint32) protocol.Range {
	return protocol.Range{Start: protocol.Position{Line: l1, Character: c1}, End: protocol.Position{Line: l2, Character: c2}}
}

func pos(l, c uint32) protocol.Position { return protocol.Position{Line: l, Character: c} }

func fmtRange(r protocol.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character)
}

func message(d protocol.Diagnostic) string {
	if s, ok := d.Message.(protocol.String); ok {
		return string(s)
	}
	return fmt.Sprint(d.Message)
}

func code(d protocol.Diagnostic) string {
	switch c := d.Code.(type) {
	case protocol.String:
		return string(c)
	case protocol.Integer:
		return fmt.Sprint(int32(c))
	}
	return ""
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// summary renders diagnostics one per line as "range code: message".
func summary(ds []protocol.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s %s: %s\n", fmtRange(d.Range), code(d), message(d))
	}
	return b.String()
}

// serverText is the document text the server holds.
func serverText(c *testClient, u uri.URI) string {
	d := c.srv.doc(u)
	if d == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return string(d.text)
}
