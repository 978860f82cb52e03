package lsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// Version is reported to clients in serverInfo.
const Version = "0.1.0"

// Options configure a Server.
type Options struct {
	// Logger receives the server's own log (never document text or
	// secrets); nil discards it.
	Logger *slog.Logger
	// MaxDocumentSize is the largest document, in bytes, that is analysed;
	// larger ones get a single diagnostic saying so. 0 means 4 MiB.
	MaxDocumentSize int

	// started is called with the server once it runs (tests only).
	started func(*Server)
	// ownsProcess is set when the server is the only one in its process
	// (RunStdio), which lets it tune the process's garbage collector
	// during bursts of opens.
	ownsProcess bool
}

// Server is one language-server session: the documents a client opened,
// its settings and the builds it started.
type Server struct {
	protocol.UnimplementedServer

	opts   Options
	log    *slog.Logger
	conn   jsonrpc2.Conn
	client protocol.Client
	ctx    context.Context // lives as long as the connection
	exit   chan struct{}
	builds *builds
	// zschema loads the ZImagefile schema for completion and hover on
	// first use.
	zschema func() (*zschema, error)
	// analyses bounds how many documents are analysed at once: one per
	// CPU. Opening a workspace of files at once then costs no more
	// memory than the CPUs can use, and latency is no worse.
	analyses chan struct{}
	// sched publishes the diagnostics of open documents on one worker
	// per CPU.
	sched *scheduler
	// recent are the documents that keep their analysis.
	recent recent

	mu          sync.Mutex
	state       sessionState
	caps        clientCaps
	settings    Settings
	initOptions Settings
	docs        map[uri.URI]*document
}

type sessionState int

const (
	stateNew sessionState = iota
	stateRunning
	stateShutdown
)

// errExit reports that the client ended the session with exit before
// shutdown (LSP says the process then exits with code 1).
var errExit = errors.New("exit notification received before shutdown")

// Serve runs a language server on rwc (stdin/stdout for a real editor)
// until the client sends exit, the stream ends or ctx is cancelled. It
// returns nil after a clean shutdown/exit or end of input.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxDocumentSize <= 0 {
		opts.MaxDocumentSize = 4 << 20
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	s := &Server{opts: opts, log: opts.Logger, exit: make(chan struct{}), docs: map[uri.URI]*document{},
		analyses: make(chan struct{}, runtime.GOMAXPROCS(0))}
	s.conn = jsonrpc2.NewConn(tolerantStream{jsonrpc2.NewHeaderStream(rwc)}, jsonrpc2.WithCodec(codec{}))
	s.client = protocol.ClientDispatcher(s.conn)
	s.ctx = protocol.WithClient(ctx, s.client)
	s.builds = newBuilds(s)
	s.zschema = sync.OnceValues(loadZSchema)
	s.sched = newScheduler(s.ctx, runtime.GOMAXPROCS(0), opts.ownsProcess)
	s.conn.Go(s.ctx, s.handler())
	if opts.started != nil {
		opts.started(s)
	}

	var err error
	select {
	case <-s.conn.Done():
		err = s.conn.Err()
	case <-s.exit:
		if s.sessionState() != stateShutdown {
			err = errExit
		}
	case <-ctx.Done():
	}
	cancel()
	s.builds.wait()
	s.closeAll()
	s.sched.wait()
	_ = rwc.Close()
	// Closing the connection waits for its read loop, which a blocking
	// read of a process's stdin never leaves; do not wait for it.
	go s.conn.Close()
	return err
}

// handler is the chain of notes/go-libraries.md §1.3: $/cancelRequest is
// honoured, requests are released to run concurrently while notifications
// stay inline in wire order, and a panic or a failing notification never
// takes the connection down.
func (s *Server) handler() jsonrpc2.Handler {
	inner := protocol.ServerHandler(s, jsonrpc2.MethodNotFoundHandler)
	chain := protocol.CancelHandler(func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		if req.IsCall() {
			jsonrpc2.Async(ctx)
		}
		return inner(ctx, req)
	})
	return func(ctx context.Context, req *jsonrpc2.Request) (result any, err error) {
		method, isCall := strings.Clone(req.Method()), req.IsCall()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("handler panicked", "method", method, "panic", r, "stack", string(debug.Stack()))
				result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "zlayer-lsp: %s failed: internal error: %v", method, r)
			}
			if !isCall && err != nil {
				s.log.Warn("notification failed", "method", method, "error", err)
				result, err = nil, nil
			}
		}()
		if e := s.admit(method, isCall); e != nil {
			return nil, e
		}
		return chain(ctx, req)
	}
}

// admit enforces the session lifecycle: nothing but initialize before
// initialize, nothing but exit after shutdown.
func (s *Server) admit(method string, isCall bool) error {
	st := s.sessionState()
	switch {
	case method == protocol.MethodExit:
		return nil
	case st == stateNew && method != protocol.MethodInitialize && isCall:
		return jsonrpc2.NewError(jsonrpc2.Code(-32002), "server not initialized")
	case st == stateShutdown && isCall:
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "server is shut down")
	}
	return nil
}

func (s *Server) sessionState() sessionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Shutdown implements protocol.Server: builds are cancelled and documents
// dropped; the process exits on the following exit notification.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.state = stateShutdown
	s.mu.Unlock()
	s.builds.cancelAll()
	return nil
}

// Exit implements protocol.Server.
func (s *Server) Exit(ctx context.Context) error {
	select {
	case <-s.exit:
	default:
		close(s.exit)
	}
	return nil
}

// closeAll takes every document out of the scheduler.
func (s *Server) closeAll() {
	s.mu.Lock()
	docs := s.docs
	s.docs = map[uri.URI]*document{}
	s.mu.Unlock()
	for _, d := range docs {
		d.close()
	}
}

// notify sends a custom notification; failures (a closed connection) are
// logged only.
func (s *Server) notify(method string, params any) {
	if err := s.conn.Notify(s.ctx, method, params); err != nil {

		s.log.Debug("notify failed", "method", method, "error", err)
	}
}

// showMessage tells the user something through window/showMessage.
func (s *Server) showMessage(typ protocol.MessageType, format string, args ...any) {
	err := s.client.ShowMessage(s.ctx, &protocol.ShowMessageParams{Type: typ, Message: fmt.Sprintf(format, args...)})
	if err != nil {
		s.log.Debug("showMessage failed", "error", err)
	}
}
