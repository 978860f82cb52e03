package watch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Trigger says why a build runs.
type Trigger struct {
	// Initial marks the first build, which no change triggered.
	Initial bool
	// Batch holds the changes since the previous build started, merged.
	Batch
}

// RunOptions configure Run.
type RunOptions struct {
	// Build runs one build. Its context is cancelled when Run stops and,
	// with CancelRunning, when a change arrives while it runs; it must
	// clean up before it returns.
	Build func(ctx context.Context, t Trigger) error
	// CancelRunning cancels a running build as soon as a change arrives and
	// starts over, instead of letting it finish first. The new build's
	// trigger holds the cancelled build's changes too.
	CancelRunning bool
	// Done, when set, is called after each build with its trigger and the
	// error Build returned.
	Done func(t Trigger, err error)
}

// Run is the rebuild loop of watch mode: it builds once, then again after
// every batch w delivers. Changes that arrive during a build are merged
// into exactly one follow-up build. A failing build does not stop the
// loop. Run returns when ctx is done, after the running build returned, or
// when w is closed and no build is running.
func Run(ctx context.Context, w *Watcher, opts RunOptions) error {
	if opts.Build == nil {
		return fmt.Errorf("watch.Run: RunOptions.Build is nil")
	}
	type result struct {
		t   Trigger
		err error
	}
	done := make(chan result, 1)
	var cancel context.CancelFunc = func() {}
	start := func(t Trigger) {
		bctx, c := context.WithCancel(ctx)
		cancel = c
		go func() { done <- result{t, opts.Build(bctx, t)} }()
	}
	start(Trigger{Initial: true})
	running, cancelled := true, false
	var queued *Batch
	batches := w.Batches()
	for {
		select {
		case <-ctx.Done():
			if running {
				cancel()
				if r := <-done; opts.Done != nil {
					opts.Done(r.t, r.err)
				}
			}
			return nil
		case b, ok := <-batches:
			if !ok {
				batches = nil
				if !running {
					return nil
				}
				continue
			}
			if !running {
				start(Trigger{Batch: b})
				running = true
				continue
			}
			queued = merge(queued, b)
			if opts.CancelRunning {
				cancel()
				cancelled = true
			}
		case r := <-done:
			cancel()
			running = false
			if opts.Done != nil {
				opts.Done(r.t, r.err)
			}
			if cancelled && queued != nil {
				// The restart builds the cancelled build's changes too.
				queued = merge(queued, r.t.Batch)
			}
			cancelled = false
			switch {
			case queued != nil:
				start(Trigger{Batch: *queued})
				running, queued = true, nil
			case batches == nil:
				return nil
			}
		}
	}
}

// merge adds b to a, which may be nil.
func merge(a *Batch, b Batch) *Batch {
	if a == nil {
		return &b
	}
	set := map[string]bool{}
	for _, p := range a.Paths {
		set[p] = true
	}
	for _, p := range b.Paths {
		set[p] = true
	}
	return &Batch{Paths: slices.Sorted(maps.Keys(set)), Rescan: a.Rescan || b.Rescan}
}

// Files returns the batch's paths without the directories that have a
// changed path below them: after `mkdir -p a/b && touch a/b/f` it is
// a/b/f alone, what the user made, not a, a/b and a/b/f.
func (b Batch) Files() []string {
	out := make([]string, 0, len(b.Paths))
	for _, p := range b.Paths {
		// Paths are sorted: what lies below p starts where p+"/" would.
		i, _ := slices.BinarySearch(b.Paths, p+"/")
		if i < len(b.Paths) && strings.HasPrefix(b.Paths[i], p+"/") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Summary lists up to n of the batch's Files for a message such as
// "rebuilding: a.go, b.go and 3 more".
func (b Batch) Summary(n int) string {
	files := b.Files()
	if len(files) == 0 {
		if b.Rescan {
			return "(changes may have been missed; rescanned)"
		}
		return ""
	}
	if n <= 0 || len(files) <= n {
		return strings.Join(files, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(files[:n], ", "), len(files)-n)
}

// Triggered is the watch_triggered event `zlayer watch --progress json`
// writes before each rebuild, next to the build's own events: the changed
// files (Batch.Files), relative to the build context, and whether changes
// may have been missed. It satisfies runner.Event.
type Triggered struct {
	Files  []string `json:"files"`
	Rescan bool     `json:"rescan,omitempty"`
}

// Type returns "watch_triggered".
func (Triggered) Type() string { return "watch_triggered" }

// Event returns the watch_triggered event for a rebuild's trigger.
func (t Trigger) Event() Triggered {
	return Triggered{Files: t.Files(), Rescan: t.Rescan}
}
