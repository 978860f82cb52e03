// Package watch reports changes under a build context, for watch mode:
// `zlayer watch` rebuilds after each batch of changes this package
// delivers.
//
// A Watcher covers a whole directory tree with a single fsnotify watcher
// (inotify is not recursive: every directory gets its own watch, added as
// directories appear), drops changes no build can see (editor temp files,
// .git, the build's own outputs, and whatever the caller's predicate
// rejects), and debounces what is left into batches: a batch is delivered
// after a quiet period, or after a maximum wait under constant churn. When
// inotify runs out of watches it falls back to polling and says so.
//
// Run is the rebuild loop on top. It starts a build as soon as a save has
// settled (Options.Settle, a few tens of milliseconds), before the quiet
// period ends, and holds what the build shows and tags until the quiet
// period has passed. So a rebuild costs the longer of the build and the
// quiet period, not their sum. Another change meanwhile cancels that
// build, and the changes then wait for their quiet period.
package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Options.
const (
	DefaultDebounce     = 300 * time.Millisecond
	DefaultSettle       = 20 * time.Millisecond
	DefaultMaxWait      = 10 * time.Second
	DefaultPollInterval = 500 * time.Millisecond
)

// Options configure a Watcher. The zero value watches everything with the
// default timings.
type Options struct {
	// Debounce is the quiet period: a batch is delivered once no relevant
	// change has arrived for this long. Zero means DefaultDebounce.
	Debounce time.Duration
	// Settle is how long changes must be quiet before they are offered
	// early, on Early, so that a build can start during the rest of the
	// quiet period. Zero means DefaultSettle; a Settle not shorter than
	// Debounce offers nothing early.
	Settle time.Duration
	// MaxWait bounds how long a change can wait under constant churn
	// before its batch is delivered anyway. Zero means DefaultMaxWait.
	MaxWait time.Duration
	// Relevant, when set, decides whether a change at a path, relative to
	// the root and slash-separated, is worth a batch. The path may no
	// longer exist, and a directory's path stands for everything that was
	// inside it. It is called from the watcher's goroutine only.
	Relevant func(rel string) bool
	// SkipDir, when set, reports directories not to watch at all, such as
	// those the ignore file excludes entirely. .git and .idea are never
	// watched.
	SkipDir func(rel string) bool
	// Files are files outside the root to watch as well, such as a build
	// file kept next to, not inside, the build context. A change to one is
	// always relevant and is reported relative to the root
	// ("../Dockerfile"). Files inside the root need not be listed.
	Files []string
	// Outputs are files or directories the build writes inside the root
	// (an --iidfile, say), absolute or relative to the root. Changes at or
	// below them never trigger, so a build cannot trigger itself.
	Outputs []string
	// Logf, when set, receives notices: falling back to polling, rescans,
	// and errors the watcher recovers from.
	Logf func(format string, args ...any)
	// Poll makes the watcher poll instead of using inotify.
	Poll bool
	// PollInterval is the time between two polls. Zero means
	// DefaultPollInterval.
	PollInterval time.Duration
}

// Batch is a set of changes delivered together.
type Batch struct {
	// Paths are the changed paths, relative to the root, slash-separated,
	// sorted and without duplicates. A path may no longer exist. Only
	// Options.Files lie outside the root ("../Dockerfile").
	Paths []string
	// Rescan reports that changes may have been missed (the kernel's event
	// queue overflowed, or the watcher switched to polling): treat
	// everything as changed.
	Rescan bool

	// seq counts the watcher's changes up to this batch: a batch offered
	// early is the same as a later one with the same seq.
	seq uint64
}

// Watcher watches a directory tree. Create one with New; one per process
// is enough, and inotify limits make more a bad idea.
type Watcher struct {
	root    string
	batches chan Batch
	early   chan Batch // holds the latest early offer, if not taken
	cancel  context.CancelFunc
	done    chan struct{}
	polling atomic.Bool
	refresh chan chan struct{} // Refresh requests, each closed when done

	closeOnce sync.Once
	closeErr  error
}

// New starts watching the directory tree at root. Changes made after New
// returns are reported on Batches until ctx is done or Close is called.
func New(ctx context.Context, root string, opts Options) (*Watcher, error) {
	return start(ctx, root, opts, nil)
}

// start is New with a replaceable way of adding an inotify watch, so that
// tests can exhaust the watch limit.
func start(ctx context.Context, root string, opts Options, add func(string) error) (*Watcher, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	if fi, err := os.Stat(real); err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("watch %s: not a directory", root)
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &Watcher{
		root:    real,
		batches: make(chan Batch),
		early:   make(chan Batch, 1),
		cancel:  cancel,
		done:    make(chan struct{}),
		refresh: make(chan chan struct{}),
	}
	l, err := newLoop(w, withDefaults(opts, abs, real), add)
	if err != nil {
		cancel()
		return nil, err
	}
	go l.run(ctx)
	return w, nil
}

func withDefaults(opts Options, abs, real string) Options {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Settle <= 0 {
		opts.Settle = DefaultSettle
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	outs := make([]string, 0, len(opts.Outputs))
	for _, o := range opts.Outputs {
		if rel, ok := relTo(abs, real, o); ok {
			outs = append(outs, rel)
		}
	}
	opts.Outputs = outs
	return opts
}

// relTo makes an output path relative to the root, accepting absolute
// paths under the root as given or with symlinks evaluated.
func relTo(abs, real, p string) (string, bool) {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(filepath.Clean(p)), true
	}
	for _, dir := range []string{real, abs} {
		if r, err := filepath.Rel(dir, p); err == nil && !escapes(r) {
			return filepath.ToSlash(r), true
		}
	}
	return "", false
}

// Root returns the absolute path of the watched directory, with symlinks
// evaluated.
func (w *Watcher) Root() string { return w.root }

// Batches delivers batches of changes. Changes that arrive while the
// receiver is busy are merged into the next batch, never lost. The channel
// is closed when the watcher stops.
func (w *Watcher) Batches() <-chan Batch { return w.batches }

// Early offers the changes pending so far once they have been quiet for
// Options.Settle, ahead of the batch that Batches delivers after the whole
// quiet period. An offer only replaces one not yet taken; it is a preview,
// and the batch that follows includes its changes. Run uses it to start a
// build early.
func (w *Watcher) Early() <-chan Batch { return w.early }

// Polling reports whether the watcher polls, because Options.Poll asked
// for it or because inotify could not be used.
func (w *Watcher) Polling() bool { return w.polling.Load() }

// Refresh asks the watcher to apply Options.SkipDir to the whole tree
// again, after what it decides has changed (the ignore file was edited):
// directories no longer skipped get watched, directories now skipped are
// dropped. It returns when that is done (or the watcher stopped) and
// reports no changes itself.
func (w *Watcher) Refresh() {
	ack := make(chan struct{})
	select {
	case w.refresh <- ack:
		<-ack
	case <-w.done:
	}
}

// Close stops the watcher, releases its inotify watches and closes the
// Batches channel. It is safe to call more than once.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		w.cancel()
		<-w.done
	})
	return w.closeErr
}
