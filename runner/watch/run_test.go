package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// fakeBuilds records the builds Run starts; block, when set for a build
// number, holds that build until the channel is closed or the build is
// cancelled.
type fakeBuilds struct {
	started chan Trigger
	done    chan error
	block   map[int]chan struct{}
	fail    map[int]error
	n       int
}

func newFakeBuilds() *fakeBuilds {
	return &fakeBuilds{started: make(chan Trigger, 10), done: make(chan error, 10),
		block: map[int]chan struct{}{}, fail: map[int]error{}}
}

// build is RunOptions.Build; Run calls it from one goroutine at a time.
func (f *fakeBuilds) build(ctx context.Context, t Trigger) error {
	n := f.n
	f.n++
	f.started <- t
	if ch := f.block[n]; ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return f.fail[n]
}

func (f *fakeBuilds) next(t *testing.T) Trigger {
	t.Helper()
	select {
	case tr := <-f.started:
		return tr
	case <-time.After(wait):
		t.Fatal("no build started")
	}
	return Trigger{}
}

func (f *fakeBuilds) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-f.done:
		return err
	case <-time.After(wait):
		t.Fatal("no build finished")
	}
	return nil
}

func startRun(t *testing.T, root string, f *fakeBuilds, cancelRunning bool) (stop func() error) {
	t.Helper()
	return startRunWith(t, root, f, cancelRunning, Options{})
}

// startAfterInitialBuild starts Run with early starts (see startRunWith)
// and returns once its initial build is over.
func startAfterInitialBuild(t *testing.T, root string, f *fakeBuilds) (stop func() error) {
	t.Helper()
	stop = startRunWith(t, root, f, false, early)
	f.next(t)
	f.result(t)
	return stop
}

func startRunWith(t *testing.T, root string, f *fakeBuilds, cancelRunning bool, opts Options) (stop func() error) {
	t.Helper()
	w := newWatcher(t, root, opts)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, w, RunOptions{
			Build:         f.build,
			CancelRunning: cancelRunning,
			Done:          func(_ Trigger, err error) { f.done <- err },
		})
	}()
	return func() error {
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(wait):
			t.Fatal("Run did not return after cancel")
		}
		return nil
	}
}

func TestRunBuildsThenRebuildsOnChange(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	f.fail[1] = errors.New("RUN failed")
	stop := startRun(t, root, f, false)
	defer stop()
	if tr := f.next(t); !tr.Initial {
		t.Fatalf("first build trigger = %+v, want Initial", tr)
	}
	f.result(t)
	write(t, root, "main.go", "1")
	if tr := f.next(t); tr.Initial || !slices.Equal(tr.Paths, []string{"main.go"}) {
		t.Fatalf("rebuild trigger = %+v, want [main.go]", tr)
	}
	if err := f.result(t); err == nil {
		t.Fatal("the failing build reported no error")
	}
	// A failed build keeps the loop watching.
	write(t, root, "main.go", "2")
	if tr := f.next(t); !slices.Equal(tr.Paths, []string{"main.go"}) {
		t.Fatalf("after a failure, trigger = %+v, want [main.go]", tr)
	}
}

func TestRunSavesDuringABuildMakeOneFollowUp(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	release := make(chan struct{})
	f.block[1] = release
	stop := startRun(t, root, f, false)
	defer stop()
	f.next(t)
	f.result(t)
	write(t, root, "a", "1")
	awaitQuiet(t, f.next(t)) // build 1 runs, counts, and blocks
	// Two saves while it runs, far enough apart to be separate batches.
	write(t, root, "b", "1")
	time.Sleep(time.Second)
	write(t, root, "c", "1")
	time.Sleep(time.Second)
	close(release)
	f.result(t)
	if tr := f.next(t); !slices.Equal(tr.Paths, []string{"b", "c"}) {
		t.Fatalf("follow-up trigger = %+v, want one build for [b c]", tr)
	}
	f.result(t)
	write(t, root, "sentinel", "1")
	if tr := f.next(t); !slices.Equal(tr.Paths, []string{"sentinel"}) {
		t.Fatalf("trigger = %+v, want only the sentinel: a second follow-up ran", tr)
	}
}

func TestRunCancelRunning(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	f.block[1] = make(chan struct{}) // never released
	stop := startRun(t, root, f, true)
	defer stop()
	f.next(t)
	f.result(t)
	write(t, root, "a", "1")
	awaitQuiet(t, f.next(t)) // build 1 counts: it is cancelled, not dropped
	write(t, root, "b", "1")
	if err := f.result(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("running build ended with %v, want it cancelled", err)
	}
	// The restart also builds what the cancelled build was for.
	if tr := f.next(t); !slices.Equal(tr.Paths, []string{"a", "b"}) {
		t.Fatalf("restart trigger = %+v, want [a b]", tr)
	}
}

func TestRunStopCancelsTheBuild(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	f.block[0] = make(chan struct{})
	stop := startRun(t, root, f, false)
	f.next(t)
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	if err := f.result(t); !errors.Is(err, context.Canceled) {
		t.Errorf("the build ended with %v, want it cancelled", err)
	}
}

// awaitQuiet waits until a build's quiet period has passed and it counts.
func awaitQuiet(t *testing.T, tr Trigger) {
	t.Helper()
	select {
	case <-tr.Quiet:
	case <-time.After(wait):
		t.Fatal("the build's quiet period never ended")
	}
}

// quietClosed reports whether a trigger's quiet period has passed.
func quietClosed(tr Trigger) bool {
	select {
	case <-tr.Quiet:
		return true
	default:
		return false
	}
}

// early are watcher options that offer changes early: settled after
// 20ms, quiet after 2s, so that a test sees a build start long before
// its quiet period ends.
var early = Options{Settle: 20 * time.Millisecond, Debounce: 2 * time.Second}

func TestRunStartsProvisionalBuildEarly(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	stop := startRunWith(t, root, f, false, early)
	defer stop()
	if tr := f.next(t); !quietClosed(tr) {
		t.Fatal("the initial build is provisional")
	}
	f.result(t)
	write(t, root, "a", "1")
	tr := f.next(t)
	if !slices.Equal(tr.Paths, []string{"a"}) || quietClosed(tr) {
		t.Fatalf("trigger = %+v, quiet %v; want [a], started before its quiet period ended", tr, quietClosed(tr))
	}
	// The build returned at once; its result counts after the quiet period.
	if err := f.result(t); err != nil || !quietClosed(tr) {
		t.Fatalf("result %v with quiet %v; want nil after the quiet period", err, quietClosed(tr))
	}
	select {
	case tr := <-f.started:
		t.Fatalf("another build started for %+v", tr)
	case <-time.After(2 * early.Debounce):
	}
}

func TestRunProvisionalBuildIsOvertaken(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	f.block[1] = make(chan struct{}) // never released: it must be cancelled
	stop := startAfterInitialBuild(t, root, f)
	defer stop()
	write(t, root, "a", "1")
	first := f.next(t)
	write(t, root, "b", "1")
	// Once overtaken, the changes wait for their quiet period.
	second := f.next(t)
	if !slices.Equal(second.Paths, []string{"a", "b"}) || !quietClosed(second) {
		t.Fatalf("second trigger = %+v, quiet %v; want [a b], after the quiet period", second, quietClosed(second))
	}
	if quietClosed(first) {
		t.Fatal("the overtaken build's quiet period passed")
	}
	// Only the build that counted is reported.
	if err := f.result(t); err != nil {
		t.Fatalf("result %v, want the second build's nil", err)
	}
	select {
	case err := <-f.done:
		t.Fatalf("a second result (%v): the overtaken build was reported", err)
	case <-time.After(early.Debounce):
	}
}

func TestRunChurnWastesOneProvisionalBuild(t *testing.T) {
	// Saves 100ms apart each settle, and each overtakes the build the one
	// before started: after the first overtaken build the watcher waits
	// for the quiet period instead of starting a build per save.
	root := t.TempDir()
	f := newFakeBuilds()
	stop := startAfterInitialBuild(t, root, f)
	defer stop()
	for i := range 8 {
		write(t, root, fmt.Sprint("f", i), "1")
		time.Sleep(100 * time.Millisecond)
	}
	first := f.next(t)
	last := f.next(t)
	if quietClosed(first) || !quietClosed(last) || len(last.Paths) != 8 {
		t.Fatalf("builds for %v (quiet %v) and %v (quiet %v); want a provisional one, then one for all 8 files after the quiet period",
			first.Paths, quietClosed(first), last.Paths, quietClosed(last))
	}
	select {
	case tr := <-f.started:
		t.Fatalf("a third build started, for %v", tr.Paths)
	case <-time.After(early.Debounce):
	}
}

func TestRunProvisionalFailureCountsAfterQuiet(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	f.fail[1] = errors.New("RUN failed")
	stop := startAfterInitialBuild(t, root, f)
	defer stop()
	write(t, root, "a", "1")
	tr := f.next(t)
	if err := f.result(t); err == nil || !quietClosed(tr) {
		t.Fatalf("result %v with quiet %v; want the failure, after the quiet period", err, quietClosed(tr))
	}
}

func TestRunSaveDuringBuildStartsNextEarly(t *testing.T) {
	root := t.TempDir()
	f := newFakeBuilds()
	release := make(chan struct{})
	f.block[0] = release
	stop := startRunWith(t, root, f, false, early)
	defer stop()
	f.next(t) // the initial build runs and blocks
	write(t, root, "a", "1")
	time.Sleep(early.Debounce / 4) // the change settles, its quiet period goes on
	close(release)
	if err := f.result(t); err != nil {
		t.Fatal(err)
	}
	tr := f.next(t)
	if !slices.Equal(tr.Paths, []string{"a"}) || quietClosed(tr) {
		t.Fatalf("follow-up trigger = %+v, quiet %v; want [a], started before its quiet period ended", tr, quietClosed(tr))
	}
	if err := f.result(t); err != nil || !quietClosed(tr) {
		t.Fatalf("result %v with quiet %v", err, quietClosed(tr))
	}
}

func TestRunWatcherClosedDuringProvisionalBuild(t *testing.T) {
	// What the watcher saw before it stopped is built: the provisional
	// build counts without waiting for a quiet period that never ends.
	root := t.TempDir()
	f := newFakeBuilds()
	w := newWatcher(t, root, early)
	errc := make(chan error, 1)
	go func() {
		errc <- Run(t.Context(), w, RunOptions{Build: f.build, Done: func(_ Trigger, err error) { f.done <- err }})
	}()
	f.next(t)
	f.result(t)
	write(t, root, "a", "1")
	if tr := f.next(t); quietClosed(tr) {
		t.Fatal("the rebuild is not provisional")
	}
	w.Close()
	if err := f.result(t); err != nil {
		t.Fatalf("result %v", err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return after the watcher stopped")
	}
}

func TestBatchSummary(t *testing.T) {
	tests := []struct {
		b    Batch
		want string
	}{
		{Batch{Paths: []string{"a"}}, "a"},
		{Batch{Paths: []string{"a", "b", "c", "d", "e"}}, "a, b, c, d, e"},
		{Batch{Paths: []string{"a", "b", "c", "d", "e", "f", "g"}}, "a, b, c, d, e and 2 more"},
		{Batch{Rescan: true}, "(changes may have been missed; rescanned)"},
		// Directories with a change below them are not listed.
		{Batch{Paths: []string{"a", "a-b", "a.c", "a/b", "a/b/c", "a/b/c/f", "a/b/g", "old"}}, "a-b, a.c, a/b/c/f, a/b/g, old"},
		{Batch{Paths: []string{"a", "a/1", "a/2", "a/3", "a/4", "a/5", "a/6"}}, "a/1, a/2, a/3, a/4, a/5 and 1 more"},
	}
	for _, tt := range tests {
		if got := tt.b.Summary(5); got != tt.want {
			t.Errorf("%+v.Summary(5) = %q, want %q", tt.b, got, tt.want)
		}
	}
	ev := Trigger{Batch: Batch{Paths: []string{"src", "src/main.go"}, Rescan: true}}.Event()
	if b, err := json.Marshal(ev); err != nil || string(b) != `{"files":["src/main.go"],"rescan":true}` || ev.Type() != "watch_triggered" {
		t.Errorf("watch_triggered event %s (%v), type %q", b, err, ev.Type())
	}
	if b, _ := json.Marshal(Trigger{Initial: true}.Event()); string(b) != `{"files":[]}` {
		t.Errorf("event without files: %s, want an empty list", b)
	}
}
