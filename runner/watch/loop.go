package watch

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// loop is the watcher's state. Only the goroutine running run touches it
// (and New, before that goroutine starts).
type loop struct {
	w    *Watcher
	opts Options

	fsw  *fsnotify.Watcher // nil while polling
	add  func(string) error
	dirs map[string]bool // absolute paths of watched directories

	files    map[string]string // Options.Files outside the root: absolute path → reported path
	fileDirs map[string]bool   // directories watched only for files

	snap map[string]stamp // polling: what the last scan saw
	tick *time.Ticker     // polling: nil otherwise

	pending map[string]bool // changes not yet in a batch
	rescan  bool
	first   time.Time // when the oldest pending change arrived
	timer   *time.Timer
	settle  *time.Timer // fires when the pending changes are offered early
	seq     uint64      // changes marked so far
	ready   *Batch      // a batch waiting for the receiver
}

// errWatchLimit reports that inotify ran out of watches.
var errWatchLimit = errors.New("inotify watch limit reached")

func newLoop(w *Watcher, opts Options, add func(string) error) (*loop, error) {
	l := &loop{
		w:       w,
		opts:    opts,
		dirs:    map[string]bool{},
		pending: map[string]bool{},
		timer:   time.NewTimer(time.Hour),
		settle:  time.NewTimer(time.Hour),
		files:   outsideFiles(w.root, opts.Files),
	}
	l.timer.Stop()
	l.settle.Stop()
	if opts.Poll {
		l.startPolling()
		return l, nil
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		// EMFILE here means fs.inotify.max_user_instances is exhausted.
		l.opts.Logf("watch: cannot use inotify (%v; see the sysctl fs.inotify.max_user_instances); polling %s every %s instead",
			err, w.root, opts.PollInterval)
		l.startPolling()
		return l, nil
	}
	l.fsw = fsw
	l.add = add
	if l.add == nil {
		l.add = fsw.Add
	}
	err = l.addTree(w.root, false)
	if err == nil {
		err = l.watchFiles()
	}
	if errors.Is(err, errWatchLimit) {
		l.fallBack(err)
	} else if err != nil {
		fsw.Close()
		return nil, err
	}
	return l, nil
}

// run handles events, polls and the debounce timer until ctx is done.
func (l *loop) run(ctx context.Context) {
	defer close(l.w.done)
	defer close(l.w.batches)
	defer l.stop()
	for {
		var (
			events <-chan fsnotify.Event
			errs   <-chan error
			tick   <-chan time.Time
			out    chan<- Batch
			batch  Batch
		)
		if l.fsw != nil {
			events, errs = l.fsw.Events, l.fsw.Errors
		}
		if l.tick != nil {
			tick = l.tick.C
		}
		if l.ready != nil {
			out, batch = l.w.batches, *l.ready
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if ok {
				l.handle(ev)
			}
		case err, ok := <-errs:
			if ok {
				l.handleErr(err)
			}
		case <-tick:
			l.poll()
		case ack := <-l.w.refresh:
			l.refresh()
			close(ack)
		case <-l.timer.C:
			l.flush()
		case <-l.settle.C:
			l.offer()
		case out <- batch:
			l.ready = nil
		}
	}
}

func (l *loop) stop() {
	l.timer.Stop()
	l.settle.Stop()
	if l.tick != nil {
		l.tick.Stop()
	}
	l.w.closeErr = l.closeNotify()
}

// closeNotify releases the fsnotify watcher and its watches.
func (l *loop) closeNotify() error {
	if l.fsw == nil {
		return nil
	}
	err := l.fsw.Close()
	l.fsw, l.dirs, l.fileDirs = nil, map[string]bool{}, nil
	return err
}

// handle processes one fsnotify event.
func (l *loop) handle(ev fsnotify.Event) {
	if rel, ok := l.files[ev.Name]; ok {
		l.mark(rel)
		return
	}
	rel, ok := l.rel(ev.Name)
	if !ok || l.fileDirs[filepath.Dir(ev.Name)] && !l.dirs[filepath.Dir(ev.Name)] {
		return
	}
	if rel == "." && (ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)) {
		l.opts.Logf("watch: %s was moved or removed; changes under it are no longer seen", l.w.root)
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// After a rename, the kernel keeps reporting events inside the
		// moved tree under the old path: drop those watches. The new name
		// arrives as a Create and is watched afresh.
		l.forget(ev.Name)
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if err := l.addTree(ev.Name, true); errors.Is(err, errWatchLimit) {
				l.fallBack(err)
			}
		}
	}
	l.note(rel)
}

// handleErr processes an error from fsnotify.
func (l *loop) handleErr(err error) {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		l.opts.Logf("watch: %v", err)
		return
	}
	l.opts.Logf("watch: the inotify event queue overflowed (see the sysctl fs.inotify.max_queued_events); rescanning %s", l.w.root)
	for d := range l.dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			l.forget(d)
		}
	}
	if err := l.addTree(l.w.root, false); errors.Is(err, errWatchLimit) {
		l.fallBack(err)
	}
	l.markRescan()
}

// addTree watches dir and every directory below it that is not skipped.
// With synthetic set it notes every entry it finds: files created in a new
// directory before its watch existed would otherwise go unseen.
func (l *loop) addTree(dir string, synthetic bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				l.opts.Logf("watch: %v", err)
			}
			if d != nil && d.IsDir() && p != dir {
				return fs.SkipDir
			}
			return nil
		}
		rel, ok := l.rel(p)
		if !ok {
			return nil
		}
		if d.IsDir() {
			if l.skipDir(rel) {
				return fs.SkipDir
			}
			if err := l.watchDir(p); err != nil {
				return err
			}
		}
		if synthetic {
			l.note(rel)
		}
		return nil
	})
}

// watchDir adds an inotify watch for one directory.
func (l *loop) watchDir(dir string) error {
	if l.fsw == nil || l.dirs[dir] {
		return nil
	}
	err := l.add(dir)
	switch {
	case err == nil:
		l.dirs[dir] = true
	case errors.Is(err, syscall.ENOSPC):
		return errWatchLimit
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		// Gone already; its parent reports the removal.
	default:
		l.opts.Logf("watch: cannot watch %s: %v", dir, err)
	}
	return nil
}

// forget drops the watches at or below path.
func (l *loop) forget(path string) {
	if !l.dirs[path] {
		return
	}
	prefix := path + string(filepath.Separator)
	for d := range l.dirs {
		if d == path || strings.HasPrefix(d, prefix) {
			// The kernel may have dropped the watch already.
			_ = l.fsw.Remove(d)
			delete(l.dirs, d)
		}
	}
}

// fallBack switches from inotify to polling after the watch limit ran out.
func (l *loop) fallBack(err error) {
	l.opts.Logf("watch: %v: inotify has no watches left for %s (the limit is the sysctl fs.inotify.max_user_watches; "+
		"raise it with `sudo sysctl fs.inotify.max_user_watches=524288`); polling every %s instead",
		err, l.w.root, l.opts.PollInterval)
	_ = l.closeNotify()
	l.startPolling()
	l.markRescan()
}

// note records a change at rel if it is relevant and arms the debounce
// timer.
func (l *loop) note(rel string) {
	if l.relevant(rel) {
		l.mark(rel)
	}
}

// mark records a change at rel and arms the debounce timer.
func (l *loop) mark(rel string) {
	if len(l.pending) == 0 && !l.rescan {
		l.first = time.Now()
	}
	l.pending[rel] = true
	l.arm()
}

// markRescan records that everything may have changed.
func (l *loop) markRescan() {
	if len(l.pending) == 0 && !l.rescan {
		l.first = time.Now()
	}
	l.rescan = true
	l.arm()
}

// arm counts a change and sets the timer to the end of the quiet period,
// or to the end of the maximum wait if that comes first, and the settle
// timer to the early offer.
func (l *loop) arm() {
	l.seq++
	if l.opts.Settle < l.opts.Debounce {
		l.settle.Reset(l.opts.Settle)
	}
	wait := l.opts.Debounce
	if left := time.Until(l.first.Add(l.opts.MaxWait)); left < wait {
		wait = max(left, 0)
	}
	l.timer.Reset(wait)
}

// flush turns the pending changes into a batch, merging them with a batch
// the receiver has not taken yet.
func (l *loop) flush() {
	if len(l.pending) == 0 && !l.rescan {
		return
	}
	b := l.pendingBatch()
	l.ready = &b
	l.pending = map[string]bool{}
	l.rescan = false
}

// offer offers the pending changes early, replacing an offer the receiver
// has not taken.
func (l *loop) offer() {
	if len(l.pending) == 0 && !l.rescan {
		return
	}
	select {
	case <-l.w.early:
	default:
	}
	l.w.early <- l.pendingBatch()
}

// pendingBatch is the batch of the pending changes, merged with a batch
// the receiver has not taken yet.
func (l *loop) pendingBatch() Batch {
	b := Batch{Rescan: l.rescan, seq: l.seq}
	set := maps.Clone(l.pending)
	if l.ready != nil {
		b.Rescan = b.Rescan || l.ready.Rescan
		for _, p := range l.ready.Paths {
			set[p] = true
		}
	}
	b.Paths = slices.Sorted(maps.Keys(set))
	return b
}

// rel returns the root-relative, slash-separated form of an absolute path.
func (l *loop) rel(p string) (string, bool) {
	r, err := filepath.Rel(l.w.root, p)
	if err != nil || escapes(r) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

func escapes(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
