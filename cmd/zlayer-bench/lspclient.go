package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
)

// lspClient is a minimal language-server client over a pair of streams:
// Content-Length framed JSON-RPC, requests with replies, the server's own
// requests answered, and publishDiagnostics delivered with the time each
// arrived. The same client drives every server the bench measures.
type lspClient struct {
	name string
	w    io.Writer
	wmu  sync.Mutex

	mu      sync.Mutex
	nextID  int
	pending map[int]chan rpcMessage
	// settings answers workspace/configuration, by section.
	settings map[string]any

	diags chan diagnostics
	done  chan struct{}
	err   error // why the read loop stopped; set before done closes
}

// diagnostics is one publishDiagnostics notification.
type diagnostics struct {
	URI     string
	Version *int // nil when the server sends none
	Count   int
	At      time.Time
}

type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`

	at time.Time // when the message was read in full
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("error %d: %s", e.Code, e.Message) }

// newLSPClient starts reading r; w is where requests go.
func newLSPClient(name string, r io.Reader, w io.Writer, settings map[string]any) *lspClient {
	c := &lspClient{
		name:     name,
		w:        w,
		pending:  map[int]chan rpcMessage{},
		settings: settings,
		diags:    make(chan diagnostics, 4096),
		done:     make(chan struct{}),
	}
	go c.readLoop(bufio.NewReaderSize(r, 1<<16))
	return c
}

func (c *lspClient) readLoop(r *bufio.Reader) {
	tp := textproto.NewReader(r)
	for {
		msg, at, err := readMessage(tp, r)
		if err != nil {
			c.stop(err)
			return
		}
		msg.at = at
		c.dispatch(msg, at)
	}
}

// readMessage reads one framed message and the time it was complete.
func readMessage(tp *textproto.Reader, r *bufio.Reader) (rpcMessage, time.Time, error) {
	var msg rpcMessage
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return msg, time.Time{}, io.EOF
		}
		return msg, time.Time{}, fmt.Errorf("reading message header: %w", err)
	}
	n, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil || n < 0 {
		return msg, time.Time{}, fmt.Errorf("bad Content-Length %q", h.Get("Content-Length"))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return msg, time.Time{}, fmt.Errorf("reading message body: %w", err)
	}
	at := time.Now()
	if err := json.Unmarshal(body, &msg); err != nil {
		return msg, at, fmt.Errorf("decoding message: %w", err)
	}
	return msg, at, nil
}

func (c *lspClient) stop(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
	default:
		c.err = err
		close(c.done)
	}
}

func (c *lspClient) dispatch(msg rpcMessage, at time.Time) {
	switch {
	case msg.Method != "" && len(msg.ID) > 0:
		go c.answer(msg)
	case msg.Method == "textDocument/publishDiagnostics":
		var p struct {
			URI         string            `json:"uri"`
			Version     *int              `json:"version"`
			Diagnostics []json.RawMessage `json:"diagnostics"`
		}
		if json.Unmarshal(msg.Params, &p) == nil {
			c.diags <- diagnostics{URI: p.URI, Version: p.Version, Count: len(p.Diagnostics), At: at}
		}
	case msg.Method == "":
		id, err := strconv.Atoi(string(msg.ID))
		if err != nil {
			return
		}
		c.mu.Lock()
		ch := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- msg
		}
	}
}

// answer replies to a request from the server: workspace/configuration
// gets the settings of each section asked for, everything else null.
func (c *lspClient) answer(msg rpcMessage) {
	var result any
	if msg.Method == "workspace/configuration" {
		var p struct {
			Items []struct {
				Section string `json:"section"`
			} `json:"items"`
		}
		json.Unmarshal(msg.Params, &p)
		out := make([]any, len(p.Items))
		for i, it := range p.Items {
			out[i] = lookupSection(c.settings, it.Section)
		}
		result = out
	}
	c.write(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": result})
}

// lookupSection finds a dotted section ("yaml.schemas") in settings.
func lookupSection(settings map[string]any, section string) any {
	if section == "" {
		return settings
	}
	var cur any = settings
	for _, part := range strings.Split(section, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func (c *lspClient) write(v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	// One write per message, so that a server never wakes up for a
	// header without its body.
	msg := append(fmt.Appendf(nil, "Content-Length: %d\r\n\r\n", len(body)), body...)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.Write(msg); err != nil {
		return fmt.Errorf("%s: writing: %w", c.name, err)
	}
	return nil
}

// Notify sends a notification.
func (c *lspClient) Notify(method string, params any) error {
	return c.write(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// Call sends a request and decodes its result into result (unless nil).
func (c *lspClient) Call(ctx context.Context, method string, params, result any) error {
	_, err := c.CallAt(ctx, method, params, result)
	return err
}

// CallAt is Call that also returns when the reply was read in full, before
// the client hands it to the caller: the time a latency measurement ends.
func (c *lspClient) CallAt(ctx context.Context, method string, params, result any) (at time.Time, err error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan rpcMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	if err := c.write(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
		forget()
		return at, err
	}
	select {
	case msg := <-ch:
		if msg.Error != nil {
			return msg.at, fmt.Errorf("%s: %s: %w", c.name, method, msg.Error)
		}
		if result == nil {
			return msg.at, nil
		}
		if err := json.Unmarshal(msg.Result, result); err != nil {
			return msg.at, fmt.Errorf("%s: %s: decoding result: %w", c.name, method, err)
		}
		return msg.at, nil
	case <-c.done:
		forget()
		return at, fmt.Errorf("%s: %s: connection closed: %v", c.name, method, c.err)
	case <-ctx.Done():
		forget()
		return at, fmt.Errorf("%s: %s: %w", c.name, method, ctx.Err())
	}
}

// WaitDiagnostics waits for a publishDiagnostics of uri that answers
// version: one carrying that version or a later one, or, from a server
// that sends no versions, the next one for uri.
func (c *lspClient) WaitDiagnostics(ctx context.Context, uri string, version int) (diagnostics, error) {
	for {
		select {
		case d := <-c.diags:
			if d.URI == uri && (d.Version == nil || *d.Version >= version) {
				return d, nil
			}
		case <-c.done:
			return diagnostics{}, fmt.Errorf("%s: connection closed while waiting for diagnostics: %v", c.name, c.err)
		case <-ctx.Done():
			return diagnostics{}, fmt.Errorf("%s: no diagnostics for %s version %d: %w", c.name, uri, version, ctx.Err())
		}
	}
}

// Drain drops the diagnostics that arrived so far.
func (c *lspClient) Drain() {
	for {
		select {
		case <-c.diags:
		default:
			return
		}
	}
}

// NextDiagnostics waits for the next publishDiagnostics, of any document.
func (c *lspClient) NextDiagnostics(ctx context.Context) (diagnostics, error) {
	select {
	case d := <-c.diags:
		return d, nil
	case <-c.done:
		return diagnostics{}, fmt.Errorf("%s: connection closed while waiting for diagnostics: %v", c.name, c.err)
	case <-ctx.Done():
		return diagnostics{}, fmt.Errorf("%s: waiting for diagnostics: %w", c.name, ctx.Err())
	}
}
