package lsp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func TestInitializeCapabilities(t *testing.T) {
	tests := []struct {
		name   string
		offers []protocol.PositionEncodingKind
		want   protocol.PositionEncodingKind
	}{
		{"no encodings offered", nil, protocol.PositionEncodingKindUTF16},
		{"utf-16 only", []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF16}, protocol.PositionEncodingKindUTF16},
		{"utf-8 offered", []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF32, protocol.PositionEncodingKindUTF8, protocol.PositionEncodingKindUTF16}, protocol.PositionEncodingKindUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := startServer(t, func(p *protocol.InitializeParams) {
				if tt.offers != nil {
					p.Capabilities.General = &protocol.GeneralClientCapabilities{PositionEncodings: tt.offers}
				}
			})
			caps := res.Capabilities
			if caps.PositionEncoding != tt.want {
				t.Errorf("positionEncoding = %q, want %q", caps.PositionEncoding, tt.want)
			}
			sync, ok := caps.TextDocumentSync.(*protocol.TextDocumentSyncOptions)
			if !ok || sync.Change == nil || *sync.Change != protocol.TextDocumentSyncKindIncremental {
				t.Errorf("textDocumentSync = %#v, want incremental", caps.TextDocumentSync)
			}
			want := []string{cmdBuildStage, cmdBuildImage, cmdCancelBuild, cmdConvert}
			if got := caps.ExecuteCommandProvider.Commands; len(got) != len(want) {
				t.Errorf("commands = %v, want %v", got, want)
			}
			for _, p := range []any{caps.CompletionProvider, caps.HoverProvider, caps.DefinitionProvider, caps.ReferencesProvider,
				caps.DocumentSymbolProvider, caps.CodeActionProvider, caps.CodeLensProvider, caps.RenameProvider, caps.FoldingRangeProvider, caps.SemanticTokensProvider} {
				if p == nil {
					t.Errorf("a provider is missing: %#v", caps)
				}
			}
			if res.ServerInfo.Name != "zlayer-lsp" {
				t.Errorf("serverInfo.name = %q", res.ServerInfo.Name)
			}
		})
	}
}

func TestUnknownMethodsAndDocuments(t *testing.T) {
	c, _ := startServer(t, nil)
	var out any
	err := c.call("zlayer/noSuchMethod", map[string]int{"x": 1}, &out)
	var je *jsonrpc2.Error
	if !errors.As(err, &je) || je.Code != jsonrpc2.MethodNotFound {
		t.Errorf("unknown request: err = %v, want MethodNotFound", err)
	}
	// Unknown notifications and notifications about unknown documents
	// are dropped without closing the connection.
	if err := c.conn.Notify(context.Background(), "zlayer/noSuchNotification", nil); err != nil {
		t.Fatal(err)
	}
	c.change("file:///nowhere/ZImagefile", 2, edit(0, 0, 0, 0, "x"))
	// Malformed params for a notification and a request.
	if err := c.conn.Notify(context.Background(), protocol.MethodTextDocumentDidOpen, jsonrpc2.RawMessage(`{"textDocument": 7}`)); err != nil {
		t.Fatal(err)
	}
	err = c.call(protocol.MethodTextDocumentHover, jsonrpc2.RawMessage(`[1,2,3]`), &out)
	if err == nil {
		t.Error("hover with malformed params: want an error")
	}
	err = c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: "file:///never/opened/ZImagefile"}, Position: pos(3, 4)}}, &out)
	if !errors.As(err, &je) || je.Code != jsonrpc2.InvalidParams {
		t.Errorf("hover on an unopened document: err = %v, want InvalidParams", err)
	}
	// The connection is still alive.
	if err := c.call(protocol.MethodShutdown, nil, &out); err != nil {
		t.Fatalf("shutdown after bad input: %v", err)
	}
}

func TestShutdownExit(t *testing.T) {
	c, _ := startServer(t, nil)
	var out any
	if err := c.call(protocol.MethodShutdown, nil, &out); err != nil {
		t.Fatal(err)
	}
	if err := c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{}, &out); err == nil {
		t.Error("request after shutdown: want an error")
	}
	if err := c.conn.Notify(context.Background(), protocol.MethodExit, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("Serve after shutdown+exit = %v, want nil", err)
		}
		c.done <- err
	case <-time.After(waitTimeout):
		t.Fatal("server did not stop after exit")
	}
}

func TestExitOnEndOfInput(t *testing.T) {
	c, _ := startServer(t, nil)
	_ = c.conn.Close()
	err := <-c.done
	c.done <- err
	if err != nil {
		t.Errorf("Serve at end of input = %v, want nil", err)
	}
}

func TestSettingsFromWorkspaceConfiguration(t *testing.T) {
	// The client answers workspace/configuration with lint.rules turning
	// DL3007 off and ZI203 into an error.
	c, _ := startServer(t, func(p *protocol.InitializeParams) {
		p.Capabilities.Workspace = &protocol.WorkspaceClientCapabilities{Configuration: ptr(true)}
	})
	c.mu.Lock()
	c.config = []byte(`{"lint": {"rules": {"DL3007": "off", "ZI203": "error"}}}`)
	c.mu.Unlock()
	// The server asked once on initialized, possibly before the answer
	// above was set; a configuration change makes it ask again, as
	// editors do when the user edits settings.
	if err := c.conn.Notify(context.Background(), protocol.MethodWorkspaceDidChangeConfiguration,
		&protocol.DidChangeConfigurationParams{}); err != nil {
		t.Fatal(err)
	}
	text := "stages:\n  a:\n    base: alpine:latest\n  b:\n    base: x:1\n    steps:\n      - copy: f\n        from: aa\n        to: /\n"
	u := c.open("/nowhere/ZImagefile", "zimagefile", text)
	c.waitFor("the configuration request", func() bool { return c.configs > 0 })
	c.waitFor("diagnostics with the settings applied", func() bool {
		p := c.diags[u]
		if p == nil {
			return false
		}
		got := summary(p.Diagnostics)
		return !strings.Contains(got, "DL3007") && strings.Contains(got, "ZI203")
	})
	for _, d := range c.diags[u].Diagnostics {
		if code(d) == "ZI203" && d.Severity != protocol.DiagnosticSeverityError {
			t.Errorf("ZI203 severity = %v, want error", d.Severity)
		}
	}
}
