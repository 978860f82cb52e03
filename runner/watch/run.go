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
	// Quiet is closed once the changes have been quiet for the debounce
	// period. A build that starts earlier, from an early offer, is
	// provisional until then: it is cancelled if another change arrives,
	// and it must show nothing and tag nothing before Quiet is closed.
	// For other builds Quiet is closed from the start.
	Quiet <-chan struct{}
}

// RunOptions configure Run.
type RunOptions struct {
	// Build runs one build. Its context is cancelled when Run stops, when a
	// provisional build is overtaken by another change and, with
	// CancelRunning, when a change arrives while it runs; it must clean up
	// before it returns.
	Build func(ctx context.Context, t Trigger) error
	// CancelRunning cancels a running build as soon as a change arrives and
	// starts over, instead of letting it finish first. The new build's
	// trigger holds the cancelled build's changes too.
	CancelRunning bool
	// Done, when set, is called after each build with its trigger and the
	// error Build returned. Provisional builds that were cancelled before
	// their quiet period ended are not reported: they never showed.
	Done func(t Trigger, err error)
}

// Run is the rebuild loop of watch mode: it builds once, then again after
// every batch w delivers. A rebuild starts early, when w offers the
// changes after Options.Settle, and counts once the quiet period has
// passed with no other change; another change first cancels it (see
// startNext). Changes that arrive during a build that counts are merged into
// exactly one follow-up build. A failing build does not stop the loop. Run
// returns when ctx is done, after the running build returned, or when w is
// closed and no build is running.
func Run(ctx context.Context, w *Watcher, opts RunOptions) error {
	if opts.Build == nil {
		return fmt.Errorf("watch.Run: RunOptions.Build is nil")
	}
	r := &rebuilds{ctx: ctx, opts: opts, done: make(chan result, 1)}
	r.start(Trigger{Initial: true}, false)
	batches, early := w.Batches(), w.Early()
	for {
		select {
		case <-ctx.Done():
			r.stop()
			return nil
		case b, ok := <-batches:
			if !ok {
				// The watcher stopped: what it saw is built, with no quiet
				// period left to wait for.
				batches, early, r.closed = nil, nil, true
				r.confirm()
				r.startNext()
				if !r.running {
					return nil
				}
				continue
			}
			r.batch(b)
		case o := <-early:
			r.offer(o)
		case res := <-r.done:
			r.finished(res)
			if !r.running && batches == nil {
				return nil
			}
		}
	}
}

// result is how a build ended.
type result struct {
	t   Trigger
	err error
}

// rebuilds is the state of Run's loop, touched by its goroutine only.
type rebuilds struct {
	ctx  context.Context
	opts RunOptions
	done chan result

	running   bool
	current   Trigger            // the running (or last) build's trigger
	cancel    context.CancelFunc // cancels the running build
	quiet     chan struct{}      // closes current.Quiet; nil when closed
	dropped   bool               // the running build is provisional and was cancelled: it is not reported
	cancelled bool               // the running build was cancelled (CancelRunning)
	seen      uint64             // the newest change any batch or offer covered
	next      *Batch             // changes no build has started for
	nextQuiet bool               // next's quiet period has passed
	overtaken bool               // a provisional build was overtaken in this burst of changes
	closed    bool               // the watcher stopped
}

// start starts a build; a provisional one waits for its quiet period.
func (r *rebuilds) start(t Trigger, provisional bool) {
	bctx, cancel := context.WithCancel(r.ctx)
	quiet := make(chan struct{})
	if provisional {
		r.quiet = quiet
	} else {
		close(quiet)
		r.quiet = nil
	}
	t.Quiet = quiet
	r.running, r.current, r.cancel = true, t, cancel
	r.next, r.nextQuiet = nil, false
	go func() {
		err := r.opts.Build(bctx, t)
		// A provisional build's result counts once its quiet period has
		// passed; if another change comes first, the result is dropped.
		select {
		case <-quiet:
		case <-bctx.Done():
		}
		r.done <- result{t, err}
	}()
}

// startNext starts a build for the changes no build has started for, when
// none runs: one that counts once their quiet period has passed (or the
// watcher stopped), a provisional one before that. After a provisional
// build was overtaken, the changes wait for their quiet period instead:
// under steady churn at most one provisional build per burst is wasted.
func (r *rebuilds) startNext() {
	switch {
	case r.running || r.next == nil:
	case r.nextQuiet || r.closed:
		r.start(Trigger{Batch: *r.next}, false)
	case !r.overtaken:
		r.start(Trigger{Batch: *r.next}, true)
	}
}

// offer handles changes offered early: a provisional build for them, or
// the cancellation of a provisional build they overtake.
func (r *rebuilds) offer(o Batch) {
	if o.seq <= r.seen {
		return // stale: a batch covered these changes already
	}
	r.seen = o.seq
	r.next, r.nextQuiet = merge(r.next, o), false
	if r.running && r.quiet != nil {
		r.drop()
	}
	r.startNext()
}

// batch handles changes whose quiet period has passed.
func (r *rebuilds) batch(b Batch) {
	r.seen = max(r.seen, b.seq)
	if b.seq <= r.current.seq {
		// Covered by the running (or last) build, which counts now.
		if r.running && r.next == nil && b.seq == r.current.seq {
			r.confirm()
		}
		return
	}
	r.next = merge(r.next, b)
	r.nextQuiet = r.next.seq == b.seq
	switch {
	case !r.running:
	case r.quiet != nil:
		r.drop()
	case r.opts.CancelRunning:
		r.cancel()
		r.cancelled = true
	}
	if b.seq == r.seen {
		r.overtaken = false // the burst is over
	}
	r.startNext()
}

// confirm lets the running build count, if it is provisional.
func (r *rebuilds) confirm() {
	if r.quiet != nil {
		close(r.quiet)
		r.quiet = nil
	}
}

// drop cancels the running provisional build, which newer changes
// overtook.
func (r *rebuilds) drop() {
	r.cancel()
	r.dropped, r.overtaken = true, true
}

// finished handles the end of the running build and starts the next one.
func (r *rebuilds) finished(res result) {
	r.cancel()
	if !r.dropped && r.opts.Done != nil {
		r.opts.Done(res.t, res.err)
	}
	if (r.dropped || r.cancelled) && r.next != nil {
		// The restart builds the cancelled build's changes too.
		r.next = merge(r.next, res.t.Batch)
	}
	r.running, r.quiet, r.dropped, r.cancelled = false, nil, false, false
	r.startNext()
}

// stop cancels the running build and waits for it, when Run ends.
func (r *rebuilds) stop() {
	if !r.running {
		return
	}
	r.cancel()
	res := <-r.done
	if r.quiet == nil && !r.dropped && r.opts.Done != nil {
		r.opts.Done(res.t, res.err)
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
	return &Batch{Paths: slices.Sorted(maps.Keys(set)), Rescan: a.Rescan || b.Rescan, seq: max(a.seq, b.seq)}
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
