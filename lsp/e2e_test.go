package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// buildServer compiles cmd/zlayer-lsp into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zlayer-lsp")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/zlayer-lsp").CombinedOutput()
	if err != nil {
		t.Fatalf("go build zlayer-lsp: %v\n%s", err, out)
	}
	return bin
}

// frame writes one LSP message.
func frame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "Content-Length: %d\r\n\r\n%s", len(b), b)
	return err
}

// readFrame reads one LSP message.
func readFrame(r *bufio.Reader) (map[string]any, error) {
	n := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length:"); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(buf, &m)
}

func TestSubprocessStdio(t *testing.T) {
	bin := buildServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--stdio")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	send := func(v any) {
		if err := frame(stdin, v); err != nil {
			t.Fatal(err)
		}
	}
	// Malformed JSON first: the server must answer later requests anyway.
	fmt.Fprintf(stdin, "Content-Length: 9\r\n\r\n{not json")
	send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{}}})
	var init map[string]any
	for init == nil {
		m, err := readFrame(r)
		if err != nil {
			t.Fatalf("reading initialize result: %v", err)
		}
		if m["id"] == float64(1) {
			init = m
		}
	}
	caps := init["result"].(map[string]any)["capabilities"].(map[string]any)
	if caps["positionEncoding"] != "utf-16" {
		t.Errorf("positionEncoding = %v", caps["positionEncoding"])
	}
	send(map[string]any{"jsonrpc": "2.0", "method": "initialized", "params": map[string]any{}})
	text := "FROM alpine:3.20 AS base\nMAINTAINER someone\n"
	send(map[string]any{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{
		"uri": "file:///tmp/zlayer-subprocess/Dockerfile", "languageId": "dockerfile", "version": 1, "text": text}}})
	for {
		m, err := readFrame(r)
		if err != nil {
			t.Fatalf("reading diagnostics: %v", err)
		}
		if m["method"] == "textDocument/publishDiagnostics" {
			p := m["params"].(map[string]any)
			if !strings.Contains(fmt.Sprint(p["diagnostics"]), "MaintainerDeprecated") {
				t.Errorf("diagnostics = %v", p["diagnostics"])
			}
			break
		}
	}
	send(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
	send(map[string]any{"jsonrpc": "2.0", "method": "exit"})
	if err := cmd.Wait(); err != nil {
		t.Errorf("zlayer-lsp after shutdown and exit: %v", err)
	}

	// End of input without shutdown also ends the process.
	cmd = exec.CommandContext(ctx, bin)
	stdin, _ = cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("zlayer-lsp at end of input: %v", err)
	}
}

const nvimZImage = `stages:
  build:
    base: localhost/busybox:latest
    steps:
      - run: echo hi from nvim
  final:
    base: localhost/busybox:latest
    steps:
      - copy: /etc/passwd
        from: buidl
        to: /x
`

func TestNeovimEndToEnd(t *testing.T) {
	nvim := needTool(t, "nvim")
	bin := buildServer(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "ZImagefile", nvimZImage)
	settings, build := "{}", "0"
	if os.Getenv("CI") == "true" || buildahAvailable() {
		store := buildahtest.NewStore(t)
		b, _ := json.Marshal(map[string]any{"zlayer": map[string]any{"buildah": map[string]string{
			"root": store.CLI.Root, "runroot": store.CLI.RunRoot, "storageDriver": store.CLI.StorageDriver}}})
		settings, build = string(b), "1"
	}
	script, _ := filepath.Abs("testdata/nvim_e2e.lua")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", "luafile "+script)
	cmd.Env = append(os.Environ(), "SERVER="+bin, "FILE="+file, "SETTINGS="+settings, "BUILD="+build,
		"XDG_STATE_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("nvim timed out (uncaught Lua error?)\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("nvim: %v\n%s", err, out)
	}
}

// buildahAvailable reports whether the real-build part can run here.
func buildahAvailable() bool {
	_, err := exec.LookPath("buildah")
	return err == nil
}
