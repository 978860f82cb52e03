package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// serverSpec says how to start and talk to one language server.
type serverSpec struct {
	// Name is the server's name in the report.
	Name string
	// Argv starts the server on stdio.
	Argv []string
	// LanguageID is sent in didOpen.
	LanguageID string
	// Settings are pushed with didChangeConfiguration and answer
	// workspace/configuration; nil sends nothing.
	Settings map[string]any
}

// lspServer is a running language server and the client talking to it.
type lspServer struct {
	spec        serverSpec
	cmd         *exec.Cmd
	stdin       io.WriteCloser
	client      *lspClient
	log         *tail
	incremental bool
	docs        map[string]*openDoc
}

type openDoc struct {
	text    string
	version int
}

// waitTimeout bounds every wait for one answer of a server.
const waitTimeout = 60 * time.Second

// startServer starts spec's server with root as its workspace folder and
// completes the initialize handshake.
func startServer(ctx context.Context, spec serverSpec, root string, verbose io.Writer) (*lspServer, error) {
	s := &lspServer{spec: spec, log: &tail{}, docs: map[string]*openDoc{}}
	s.cmd = command(ctx, spec.Argv, nil)
	s.cmd.Stderr = s.log
	if verbose != nil {
		s.cmd.Stderr = io.MultiWriter(s.log, verbose)
	}
	serverIn, stdin, err := blockingPipe()
	if err != nil {
		return nil, err
	}
	stdout, serverOut, err := blockingPipe()
	if err != nil {
		serverIn.Close()
		stdin.Close()
		return nil, err
	}
	s.stdin, s.cmd.Stdin, s.cmd.Stdout = stdin, serverIn, serverOut
	err = s.cmd.Start()
	serverIn.Close() // the server's ends are its own now
	serverOut.Close()
	if err != nil {
		stdin.Close()
		stdout.Close()
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	s.client = newLSPClient(spec.Name, stdout, s.stdin, spec.Settings)
	if err := s.initialize(ctx, root); err != nil {
		s.Close()
		return nil, fmt.Errorf("%w%s", err, s.log.String())
	}
	return s, nil
}

func (s *lspServer) initialize(ctx context.Context, root string) error {
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	rootURI := fileURI(root)
	params := map[string]any{
		"processId":        os.Getpid(),
		"clientInfo":       map[string]any{"name": "zlayer-bench"},
		"rootUri":          rootURI,
		"rootPath":         root,
		"workspaceFolders": []any{map[string]any{"uri": rootURI, "name": "bench"}},
		"capabilities": map[string]any{
			"general": map[string]any{"positionEncodings": []string{"utf-16"}},
			"workspace": map[string]any{
				"configuration":          true,
				"workspaceFolders":       true,
				"didChangeConfiguration": map[string]any{"dynamicRegistration": false},
			},
			"textDocument": map[string]any{
				"synchronization": map[string]any{"dynamicRegistration": false},
				"completion": map[string]any{"completionItem": map[string]any{
					"snippetSupport": true, "documentationFormat": []string{"markdown", "plaintext"},
				}},
				"hover":              map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
				"publishDiagnostics": map[string]any{"versionSupport": true, "relatedInformation": true},
			},
		},
	}
	var result struct {
		Capabilities struct {
			TextDocumentSync json.RawMessage `json:"textDocumentSync"`
		} `json:"capabilities"`
	}
	if err := s.client.Call(ctx, "initialize", params, &result); err != nil {
		return err
	}
	s.incremental = syncKind(result.Capabilities.TextDocumentSync) == 2
	if err := s.client.Notify("initialized", map[string]any{}); err != nil {
		return err
	}
	if s.spec.Settings != nil {
		return s.client.Notify("workspace/didChangeConfiguration", map[string]any{"settings": s.spec.Settings})
	}
	return nil
}

// syncKind reads textDocumentSync, a number or an options object.
func syncKind(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var o struct {
		Change int `json:"change"`
	}
	json.Unmarshal(raw, &o)
	return o.Change
}

// PID is the server's process ID.
func (s *lspServer) PID() int { return s.cmd.Process.Pid }

// Open sends didOpen for a document at version 1.
func (s *lspServer) Open(uri, text string) error {
	s.docs[uri] = &openDoc{text: text, version: 1}
	return s.client.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": s.spec.LanguageID, "version": 1, "text": text,
	}})
}

// Replace sends the document's whole new text and returns its version.
func (s *lspServer) Replace(uri, text string) (int, error) {
	d := s.docs[uri]
	d.text = text
	d.version++
	return d.version, s.change(uri, d.version, map[string]any{"text": text})
}

// Edit replaces n bytes at line:col (ASCII text: bytes are UTF-16 units)
// with text, incrementally when the server accepts it, and returns the new
// version.
func (s *lspServer) Edit(uri string, line, col, n int, text string) (int, error) {
	d := s.docs[uri]
	off, err := offset(d.text, line, col)
	if err != nil || off+n > len(d.text) {
		return 0, fmt.Errorf("edit at %d:%d is outside %s", line, col, uri)
	}
	d.text = d.text[:off] + text + d.text[off+n:]
	d.version++
	if !s.incremental {
		return d.version, s.change(uri, d.version, map[string]any{"text": d.text})
	}
	rng := map[string]any{
		"start": map[string]int{"line": line, "character": col},
		"end":   map[string]int{"line": line, "character": col + n},
	}
	return d.version, s.change(uri, d.version, map[string]any{"range": rng, "text": text})
}

func (s *lspServer) change(uri string, version int, change map[string]any) error {
	return s.client.Notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []any{change},
	})
}

// offset converts a line and byte column to a byte offset.
func offset(text string, line, col int) (int, error) {
	off := 0
	for range line {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return 0, fmt.Errorf("no line %d", line)
		}
		off += i + 1
	}
	return off + col, nil
}

// Diagnostics waits for the diagnostics answering a document version.
func (s *lspServer) Diagnostics(ctx context.Context, uri string, version int) (diagnostics, error) {
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	d, err := s.client.WaitDiagnostics(ctx, uri, version)
	if err != nil {
		return d, fmt.Errorf("%w%s", err, s.log.String())
	}
	return d, nil
}

// Complete asks for completion and returns the number of items.
func (s *lspServer) Complete(ctx context.Context, uri string, line, col int) (n int, at time.Time, err error) {
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	var raw json.RawMessage
	at, err = s.client.CallAt(ctx, "textDocument/completion", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]int{"line": line, "character": col},
		"context":      map[string]any{"triggerKind": 1},
	}, &raw)
	if err != nil {
		return 0, at, err
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) == nil {
		return len(items), at, nil
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return 0, at, fmt.Errorf("%s: completion result: %w", s.spec.Name, err)
	}
	return len(list.Items), at, nil
}

// Close shuts the server down politely, then by force.
func (s *lspServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.client.Call(ctx, "shutdown", nil, nil) == nil {
		s.client.Notify("exit", nil)
	}
	s.stdin.Close()
	done := make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		signalGroup(s.cmd, syscall.SIGKILL)
		<-done
	}
}

// fileURI is the file: URI of an absolute path.
func fileURI(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

// blockingPipe returns a pipe whose ends read and write without Go's
// poller, so that the bench's read of a reply returns as soon as the
// server writes it instead of when the poller next looks; every server is
// measured through the same pipes.
func blockingPipe() (r, w *os.File, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("making a pipe: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}
