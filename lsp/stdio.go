package lsp

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
)

// stdio joins a reader and a writer into the stream Serve needs. Closing
// it closes both ends so that the read loop sees end of input.
type stdio struct {
	io.Reader
	io.Writer
}

func (s stdio) Close() error {
	var err error
	if c, ok := s.Reader.(io.Closer); ok {
		err = c.Close()
	}
	if c, ok := s.Writer.(io.Closer); ok && s.Writer != os.Stderr {
		if e := c.Close(); err == nil {
			err = e
		}
	}
	return err
}

// editGCPercent is the GC percentage of a server that owns its process,
// unless GOGC says otherwise. Requests answer in tens of microseconds, and
// a GC cycle that runs meanwhile costs one of them a millisecond on a small
// machine: a heap goal of three times the live heap instead of two halves
// the cycles while the user types, for a few more megabytes at peak.
const editGCPercent = 200

// RunStdio serves one client on in/out (a process's stdin and stdout),
// logging to logw. It returns when the client exits or in ends. The server
// owns the process: it sets the GC percentage (editGCPercent) and lowers it
// during bursts of opens (see burstGCPercent).
func RunStdio(ctx context.Context, in io.Reader, out io.Writer, logw io.Writer) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(editGCPercent)
	}
	level := slog.LevelInfo
	if os.Getenv("ZLAYER_LSP_DEBUG") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level}))
	return Serve(ctx, stdio{in, out}, Options{Logger: logger, ownsProcess: true})
}
