package main

import (
	"bufio"
	"context"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/lsp"
)

// inProcessServer runs the real zlayer language server on pipes and
// returns a client talking to it.
func inProcessServer(t *testing.T) *lspClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	toServer, fromClient := io.Pipe()
	fromServer, toClient := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		lsp.RunStdio(ctx, toServer, toClient, io.Discard)
		toClient.Close()
	}()
	t.Cleanup(func() {
		fromClient.Close()
		cancel()
		<-done
	})
	return newLSPClient("zlayer-lsp", fromServer, fromClient, map[string]any{"zlayer": map[string]any{}})
}

func TestClientAgainstZlayerServer(t *testing.T) {
	c := inProcessServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Call(ctx, "initialize", map[string]any{"capabilities": map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	c.Notify("initialized", map[string]any{})
	uri := "file:///bench/ZImagefile"
	text := zimageProbe(typicalRecipe(0).ZImagefile())
	c.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "zimagefile", "version": 1, "text": text,
	}})
	d, err := c.WaitDiagnostics(ctx, uri, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Count == 0 || d.Version == nil || *d.Version != 1 {
		t.Errorf("diagnostics of the probed document: count %d, version %v; want an error at version 1", d.Count, d.Version)
	}
	if d.At.IsZero() || time.Since(d.At) > time.Minute {
		t.Errorf("arrival time %v not recorded", d.At)
	}
	line, _, _ := markerLine(text)
	col, _ := completionColumn(strings.Split(text, "\n")[line])
	var list struct {
		Items []struct {
			Label string `json:"label"`
		} `json:"items"`
	}
	err = c.Call(ctx, "textDocument/completion", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]int{"line": line, "character": col},
	}, &list)
	if err != nil {
		t.Fatal(err)
	}
	if !hasLabel(list.Items, "run") {
		t.Errorf("completion at r|un offers %v, want the run key among them", list.Items)
	}
	if err := c.Call(ctx, "no/such/method", nil, nil); err == nil || !strings.Contains(err.Error(), "no/such/method") {
		t.Errorf("an unknown method gave %v, want an error naming it", err)
	}
}

func hasLabel(items []struct {
	Label string `json:"label"`
}, label string) bool {
	for _, it := range items {
		if it.Label == label {
			return true
		}
	}
	return false
}

func TestReadMessage(t *testing.T) {
	tests := []struct {
		name, wire, method, err string
	}{
		{"plain", frame("", `{"jsonrpc":"2.0","method":"x","params":1}`), "x", ""},
		{"with content type", frame("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n", `{"jsonrpc":"2.0","method":"y"}`), "y", ""},
		{"no length", "Content-Type: x\r\n\r\n{}", "", "bad Content-Length"},
		{"short body", "Content-Length: 99\r\n\r\n{}", "", "reading message body"},
		{"not json", "Content-Length: 3\r\n\r\nabc", "", "decoding message"},
		{"closed", "", "", "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.wire))
			msg, _, err := readMessage(textproto.NewReader(r), r)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg.Method != tt.method {
				t.Errorf("method %q, want %q", msg.Method, tt.method)
			}
		})
	}
}

func frame(headers, body string) string {
	return headers + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func TestLookupSection(t *testing.T) {
	settings := yamlSettings("/s.json")
	if got := lookupSection(settings, "yaml.validate"); got != true {
		t.Errorf("yaml.validate = %v", got)
	}
	if got := lookupSection(settings, "yaml.schemaStore.enable"); got != false {
		t.Errorf("yaml.schemaStore.enable = %v", got)
	}
	if got := lookupSection(settings, "docker.languageserver"); got != nil {
		t.Errorf("an absent section gave %v, want null", got)
	}
	if got := lookupSection(settings, ""); got == nil {
		t.Error("the empty section should be all settings")
	}
}
