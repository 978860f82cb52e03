package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// wait is how long a test waits for a batch it expects; it only bounds a
// failing test, passing ones are much faster.
const wait = 10 * time.Second

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newWatcher(t *testing.T, root string, opts Options) *Watcher {
	t.Helper()
	if opts.Debounce == 0 {
		opts.Debounce = 50 * time.Millisecond
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	w, err := New(t.Context(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return w
}

// next returns the next batch, failing the test if none comes.
func next(t *testing.T, w *Watcher) Batch {
	t.Helper()
	select {
	case b, ok := <-w.Batches():
		if !ok {
			t.Fatal("Batches closed")
		}
		return b
	case <-time.After(wait):
		t.Fatal("no batch")
	}
	return Batch{}
}

// until collects batches until one holds path, and returns every path seen.
func until(t *testing.T, w *Watcher, path string) []string {
	t.Helper()
	var seen []string
	for !slices.Contains(seen, path) {
		seen = append(seen, next(t, w).Paths...)
	}
	return seen
}

// expectOnly writes a sentinel file and checks that the next batch holds
// it alone: any change the watcher should have dropped, or a second batch
// it should not have made, would show up in that batch or before it.
func expectOnly(t *testing.T, w *Watcher, root string) {
	t.Helper()
	write(t, root, "sentinel", time.Now().String())
	if b := next(t, w); !slices.Equal(b.Paths, []string{"sentinel"}) || b.Rescan {
		t.Fatalf("batch = %+v, want only the sentinel", b)
	}
}

func TestWriteTriggersOneBatch(t *testing.T) {
	root := t.TempDir()
	write(t, root, "src/main.go", "package main")
	w := newWatcher(t, root, Options{})
	write(t, root, "src/main.go", "package main // changed")
	if b := next(t, w); !slices.Equal(b.Paths, []string{"src/main.go"}) {
		t.Fatalf("batch = %+v, want [src/main.go]", b)
	}
	expectOnly(t, w, root)
}

func TestRapidWritesMakeOneBatch(t *testing.T) {
	root := t.TempDir()
	w := newWatcher(t, root, Options{Debounce: time.Second})
	for i := range 20 {
		write(t, root, "app.go", fmt.Sprint("version ", i))
		write(t, root, fmt.Sprintf("gen/%d.go", i%4), "x")
	}
	b := next(t, w)
	want := []string{"app.go", "gen", "gen/0.go", "gen/1.go", "gen/2.go", "gen/3.go"}
	if !slices.Equal(b.Paths, want) {
		t.Fatalf("batch = %v, want %v", b.Paths, want)
	}
	expectOnly(t, w, root)
}

func TestEarlyOfferPrecedesTheBatch(t *testing.T) {
	root := t.TempDir()
	w := newWatcher(t, root, Options{Settle: 20 * time.Millisecond, Debounce: time.Second})
	write(t, root, "a.go", "1")
	var o Batch
	select {
	case o = <-w.Early():
	case b := <-w.Batches():
		t.Fatalf("batch %+v came before any early offer", b)
	case <-time.After(wait):
		t.Fatal("no early offer")
	}
	write(t, root, "b.go", "1")
	b := next(t, w)
	if !slices.Equal(o.Paths, []string{"a.go"}) || !slices.Equal(b.Paths, []string{"a.go", "b.go"}) || b.seq <= o.seq {
		t.Fatalf("offer %+v then batch %+v; want [a.go], then [a.go b.go] with a newer seq", o, b)
	}
	// The second change was offered too, before its batch.
	select {
	case o = <-w.Early():
		if o.seq != b.seq {
			t.Fatalf("second offer %+v, want the batch's changes", o)
		}
	default:
		t.Fatal("the second change was not offered before its batch")
	}
}

func TestNoiseNeverTriggers(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".git/HEAD", "ref")
	write(t, root, "build/out/image.iid", "old")
	w := newWatcher(t, root, Options{
		Outputs:  []string{"build/out", filepath.Join(root, "image.iid")},
		Relevant: func(rel string) bool { return !strings.HasPrefix(rel, "docs") },
		SkipDir:  func(rel string) bool { return rel == "node_modules" },
	})
	for _, rel := range []string{
		".main.go.swp", ".main.go.swx", ".main.go.swo", ".main.go.swn", "4913", "main.go~",
		"#main.go#", ".#main.go", "flymake_main.go",
		"main.go___jb_old___", "main.go___jb_tmp___", ".idea/workspace.xml",
		".main.go.kate-swp",
		".git/HEAD", ".git/refs/heads/main", ".git/objects/ab/cdef",
		"build/out/image.iid", "image.iid",
		"docs/README.md",
	} {
		write(t, root, rel, "x")
	}
	if err := os.MkdirAll(filepath.Join(root, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Noted once, as created; then unwatched.
	if b := next(t, w); !slices.Equal(b.Paths, []string{"node_modules"}) {
		t.Fatalf("batch = %v, want [node_modules]", b.Paths)
	}
	write(t, root, "node_modules/pkg/index.js", "x")
	expectOnly(t, w, root)
}

func TestNewDirectoriesAreWatched(t *testing.T) {
	root := t.TempDir()
	w := newWatcher(t, root, Options{})
	// mkdir -p and a file right away: the file exists before the watcher
	// can add a watch for c.
	if err := os.MkdirAll(filepath.Join(root, "a/b/c"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, root, "a/b/c/f", "1")
	seen := until(t, w, "a/b/c/f")
	for _, p := range []string{"a", "a/b", "a/b/c"} {
		if !slices.Contains(seen, p) {
			t.Errorf("batches %v lack %s", seen, p)
		}
	}
	// The new directories are watched now.
	write(t, root, "a/b/c/g", "2")
	until(t, w, "a/b/c/g")
	expectOnly(t, w, root)
}

func TestRenamedDirectoryReportsNewPaths(t *testing.T) {
	root := t.TempDir()
	write(t, root, "old/sub/f.go", "1")
	w := newWatcher(t, root, Options{})
	if err := os.Rename(filepath.Join(root, "old"), filepath.Join(root, "new")); err != nil {
		t.Fatal(err)
	}
	seen := until(t, w, "new/sub/f.go")
	if !slices.Contains(seen, "old") {
		t.Errorf("batches %v lack the old name", seen)
	}
	write(t, root, "new/sub/f.go", "2")
	if b := next(t, w); !slices.Equal(b.Paths, []string{"new/sub/f.go"}) {
		t.Fatalf("after the rename, batch = %v, want [new/sub/f.go]", b.Paths)
	}
	// A directory moved back under the old name is watched under it again.
	if err := os.Rename(filepath.Join(root, "new"), filepath.Join(root, "old")); err != nil {
		t.Fatal(err)
	}
	until(t, w, "old/sub/f.go")
	write(t, root, "old/sub/f.go", "3")
	if b := next(t, w); !slices.Equal(b.Paths, []string{"old/sub/f.go"}) {
		t.Fatalf("after renaming back, batch = %v, want [old/sub/f.go]", b.Paths)
	}
}

func TestDeletedDirectory(t *testing.T) {
	root := t.TempDir()
	write(t, root, "gone/a/b/f", "1")
	var logs logRecorder
	w := newWatcher(t, root, Options{Logf: logs.Logf})
	if err := os.RemoveAll(filepath.Join(root, "gone")); err != nil {
		t.Fatal(err)
	}
	seen := until(t, w, "gone")
	if !slices.Contains(seen, "gone/a/b/f") {
		t.Errorf("batches %v lack the removed file", seen)
	}
	expectOnly(t, w, root)
	if got := logs.String(); got != "" {
		t.Errorf("deleting a directory logged:\n%s", got)
	}
	// Recreating it works.
	write(t, root, "gone/a/b/f", "2")
	until(t, w, "gone/a/b/f")
}

func TestPolling(t *testing.T) {
	root := t.TempDir()
	write(t, root, "keep.txt", "1")
	write(t, root, "rm.txt", "1")
	w := newWatcher(t, root, Options{Poll: true, Outputs: []string{"out"}})
	if !w.Polling() {
		t.Fatal("Polling() = false with Options.Poll")
	}
	write(t, root, "keep.txt", "22")
	if b := next(t, w); !slices.Equal(b.Paths, []string{"keep.txt"}) {
		t.Fatalf("batch = %v, want [keep.txt]", b.Paths)
	}
	if err := os.Chmod(filepath.Join(root, "keep.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b := next(t, w); !slices.Equal(b.Paths, []string{"keep.txt"}) {
		t.Fatalf("after chmod, batch = %v, want [keep.txt]", b.Paths)
	}
	if err := os.Remove(filepath.Join(root, "rm.txt")); err != nil {
		t.Fatal(err)
	}
	write(t, root, "x/y/z.txt", "1")
	write(t, root, ".x.txt.swp", "1")
	write(t, root, "out/iid", "1")
	seen := until(t, w, "x/y/z.txt")
	if !slices.Contains(seen, "rm.txt") {
		seen = append(seen, until(t, w, "rm.txt")...)
	}
	for _, p := range seen {
		if p == ".x.txt.swp" || strings.HasPrefix(p, "out") {
			t.Errorf("polling reported %s", p)
		}
	}
	expectOnly(t, w, root)
}

func TestWatchLimitFallsBackToPolling(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/f", "1")
	write(t, root, "b/f", "1")
	var logs logRecorder
	added := 0
	add := func(string) error {
		if added++; added > 2 {
			return fmt.Errorf("inotify_add_watch: %w", syscall.ENOSPC)
		}
		return nil
	}
	w, err := start(t.Context(), root, Options{Logf: logs.Logf, Debounce: 20 * time.Millisecond, PollInterval: 20 * time.Millisecond}, add)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if !w.Polling() {
		t.Fatal("Polling() = false after ENOSPC")
	}
	if msg := logs.String(); !strings.Contains(msg, "fs.inotify.max_user_watches") || !strings.Contains(msg, "polling") {
		t.Errorf("log = %q, want it to name fs.inotify.max_user_watches and polling", msg)
	}
	// Changes may have been missed while switching.
	if b := next(t, w); !b.Rescan {
		t.Errorf("first batch after the fallback = %+v, want Rescan", b)
	}
	write(t, root, "b/f", "22")
	until(t, w, "b/f")
}

// testLoop returns a loop that no goroutine runs, so a test can drive its
// state directly.
func testLoop(t *testing.T, root string, opts Options) *loop {
	t.Helper()
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	w := &Watcher{root: real, batches: make(chan Batch), done: make(chan struct{})}
	l, err := newLoop(w, withDefaults(opts, root, real), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.stop)
	return l
}

func TestOverflowRescans(t *testing.T) {
	root := t.TempDir()
	var logs logRecorder
	l := testLoop(t, root, Options{Logf: logs.Logf})
	// A directory appeared while events were being lost.
	write(t, root, "lost/f", "1")
	l.handleErr(fsnotify.ErrEventOverflow)
	l.flush()
	if l.ready == nil || !l.ready.Rescan {
		t.Fatalf("after an overflow, ready = %+v, want a Rescan batch", l.ready)
	}
	if !l.dirs[filepath.Join(l.w.root, "lost")] {
		t.Errorf("the rescan did not watch the new directory; watched: %v", l.dirs)
	}
	if !strings.Contains(logs.String(), "overflow") {
		t.Errorf("log = %q, want an overflow notice", logs.String())
	}
}

func TestBatchesWaitingForTheReceiverMerge(t *testing.T) {
	l := testLoop(t, t.TempDir(), Options{Poll: true})
	l.note("one")
	l.note("two")
	l.flush()
	// The receiver is busy building: the next changes join the waiting
	// batch instead of making a second one.
	l.note("three")
	l.note("one")
	l.flush()
	if want := []string{"one", "three", "two"}; l.ready == nil || !slices.Equal(l.ready.Paths, want) {
		t.Fatalf("ready = %+v, want one batch of %v", l.ready, want)
	}
	l.markRescan()
	l.flush()
	if !l.ready.Rescan || len(l.ready.Paths) != 3 {
		t.Errorf("after a rescan, ready = %+v, want the same paths with Rescan", l.ready)
	}
}

func TestMaxWaitUnderChurn(t *testing.T) {
	root := t.TempDir()
	// With a quiet period this long, only the maximum wait can deliver a
	// batch while the writer keeps writing.
	w := newWatcher(t, root, Options{Debounce: time.Minute, MaxWait: 200 * time.Millisecond})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				os.WriteFile(filepath.Join(root, "churn"), []byte(fmt.Sprint(i)), 0o644)
			}
		}
	})
	b := next(t, w)
	close(stop)
	wg.Wait()
	if !slices.Equal(b.Paths, []string{"churn"}) {
		t.Errorf("batch = %v, want [churn]", b.Paths)
	}
}

func TestCloseAndCancel(t *testing.T) {
	root := t.TempDir()
	w, err := New(t.Context(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, ok := <-w.Batches(); ok {
		t.Error("Batches still open after Close")
	}

	ctx, cancel := context.WithCancel(t.Context())
	w, err = New(ctx, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-w.Batches():
		if ok {
			t.Error("got a batch after cancel")
		}
	case <-time.After(wait):
		t.Error("Batches not closed after cancel")
	}
	w.Close()
}

func TestNewErrors(t *testing.T) {
	root := t.TempDir()
	write(t, root, "file", "x")
	if _, err := New(t.Context(), filepath.Join(root, "file"), Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("New(file) err = %v, want not a directory", err)
	}
	if _, err := New(t.Context(), filepath.Join(root, "missing"), Options{}); err == nil {
		t.Error("New(missing) succeeded")
	}
}

func TestEditorTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".main.go.swp", true},
		{".main.go.swx", true},
		{"4913", true},
		{"main.go~", true},
		{"#main.go#", true},
		{".#main.go", true},
		{"flymake_main.go", true},
		{"main.go___jb_tmp___", true},
		{"main.go___jb_old___", true},
		{".main.go.kate-swp", true},
		{"main.go", false},
		{"main.swp", false}, // Vim's swap files start with a dot
		{"49130", false},
		{".dockerignore", false},
		{"ZImagefile", false},
	}
	for _, tt := range tests {
		if got := EditorTemp(tt.name); got != tt.want {
			t.Errorf("EditorTemp(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// logRecorder collects Logf output; the watcher calls Logf from its own
// goroutine.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *logRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}
