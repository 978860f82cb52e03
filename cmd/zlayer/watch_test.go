package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/zlayer/zlayer/runner/buildahtest"
)

// patience bounds how long a watch test waits for a build; passing tests
// are much faster. Tests never assert on how long anything took.
const patience = 90 * time.Second

// cycle is one build of a watch session as --progress json reports it:
// the watch_triggered event before it (none for the first build), the
// step_done events and the closing build_done or build_failed event.
type cycle struct {
	Files  []string
	Steps  []stepEvent
	Result map[string]any
	events []map[string]any
}

type stepEvent struct {
	Stage, Step int
	Cached      bool
}

func (c *cycle) ok() bool { return c.Result["type"] == "build_done" }

// ran returns the steps that ran (were not cached), as "stage/step".
func (c *cycle) ran() []string {
	var out []string
	for _, s := range c.Steps {
		if !s.Cached {
			out = append(out, fmt.Sprintf("%d/%d", s.Stage, s.Step))
		}
	}
	return out
}

// watchSessionT is a `zlayer watch` (or `build --watch`) command running
// in-process with --progress json.
type watchSessionT struct {
	t      *testing.T
	dir    string
	events chan map[string]any
	stderr *syncBuffer
	cancel context.CancelFunc
	exit   chan int
}

// startWatch runs `zlayer COMMAND --progress json --debounce 200ms
// <store flags> FLAGS... DIR` in-process; the test ends it with stop.
func startWatch(t *testing.T, s *buildahtest.Store, dir, command string, flags ...string) *watchSessionT {
	t.Helper()
	args := []string{command, "--progress", "json", "--debounce", "200ms",
		"--root", s.CLI.Root, "--runroot", s.CLI.RunRoot, "--storage-driver", "overlay"}
	args = append(append(args, flags...), dir)
	root := &cobra.Command{Use: "zlayer", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newBuildCmd(), newWatchCmd())
	pr, pw := io.Pipe()
	w := &watchSessionT{t: t, dir: dir, events: make(chan map[string]any, 1000), stderr: &syncBuffer{}, exit: make(chan int, 1)}
	root.SetOut(pw)
	root.SetErr(w.stderr)
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go w.readEvents(pr)
	go func() {
		err := root.ExecuteContext(ctx)
		pw.Close()
		w.exit <- exitCode(err)
	}()
	t.Cleanup(func() { w.stop() })
	return w
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 2
}

func (w *watchSessionT) readEvents(r io.Reader) {
	defer close(w.events)
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			ev = map[string]any{"type": "not-json", "line": sc.Text()}
		}
		w.events <- ev
	}
}

// next returns the next build cycle.
func (w *watchSessionT) next() *cycle {
	w.t.Helper()
	c := &cycle{}
	timeout := time.After(patience)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				w.t.Fatalf("zlayer stopped before a build finished; stderr:\n%s", w.stderr)
			}
			c.events = append(c.events, ev)
			switch ev["type"] {
			case "not-json":
				w.t.Fatalf("stdout line is not JSON: %q", ev["line"])
			case "watch_triggered":
				if c.Files != nil || len(c.Steps) > 0 {
					w.t.Fatalf("watch_triggered inside a build: %v", c.events)
				}
				c.Files = stringList(ev["files"])
			case "step_done":
				c.Steps = append(c.Steps, stepEvent{Stage: num(ev["stage"]), Step: num(ev["step"]), Cached: ev["cached"] == true})
			case "build_done", "build_failed":
				c.Result = ev
				return c
			}
		case <-timeout:
			w.t.Fatalf("no build finished within %s; stderr:\n%s", patience, w.stderr)
		}
	}
}

// waitFor reads events until one of type typ and returns it.
func (w *watchSessionT) waitFor(typ string, match func(map[string]any) bool) map[string]any {
	w.t.Helper()
	timeout := time.After(patience)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				w.t.Fatalf("zlayer stopped before %s; stderr:\n%s", typ, w.stderr)
			}
			if ev["type"] == typ && (match == nil || match(ev)) {
				return ev
			}
		case <-timeout:
			w.t.Fatalf("no %s event within %s; stderr:\n%s", typ, patience, w.stderr)
		}
	}
}

// rebuild expects the next cycle to be triggered by exactly files and to
// succeed.
func (w *watchSessionT) rebuild(files ...string) *cycle {
	w.t.Helper()
	c := w.next()
	if !slices.Equal(c.Files, files) {
		w.t.Fatalf("rebuild triggered by %q, want %q", c.Files, files)
	}
	if !c.ok() {
		w.t.Fatalf("rebuild failed: %v\nstderr:\n%s", c.Result, w.stderr)
	}
	return c
}

// stop interrupts zlayer (as Ctrl-C does) and checks that it exits 0.
func (w *watchSessionT) stop() {
	w.t.Helper()
	w.cancel()
	select {
	case code := <-w.exit:
		if code != 0 {
			w.t.Errorf("zlayer exited %d after Ctrl-C; stderr:\n%s", code, w.stderr)
		}
		w.exit <- code // for a second stop
	case <-time.After(patience):
		w.t.Fatalf("zlayer did not stop after Ctrl-C; stderr:\n%s", w.stderr)
	}
	for range w.events {
	}
}

// write saves a file, rel to the build context.
func (w *watchSessionT) write(rel, content string) {
	w.t.Helper()
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func stringList(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// syncBuffer is a bytes.Buffer safe for the command's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// writeFiles writes a build context.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkNothingLeft fails when a build left working containers or mounts.
func checkNothingLeft(t *testing.T, s *buildahtest.Store) {
	t.Helper()
	if ctrs := s.Containers(t); len(ctrs) > 0 {
		t.Errorf("buildah containers after watching: %v", ctrs)
	}
	if m := s.Mounts(t); len(m) > 0 {
		t.Errorf("mounts left after watching: %v", m)
	}
}

func TestWatch(t *testing.T) {
	if args, ok := os.LookupEnv(asZlayer); ok {
		runAsZlayer(args)
	}
	s := buildahtest.NewStore(t)
	t.Setenv("TMPDIR", s.CLI.TmpDir)
	t.Run("Changes", func(t *testing.T) { testWatchChanges(t, s) })
	t.Run("BuildFileElsewhere", func(t *testing.T) { testWatchBuildFileElsewhere(t, s) })
	t.Run("Plain", func(t *testing.T) { testWatchPlain(t, s) })
	t.Run("SaveDuringABuild", func(t *testing.T) { testWatchSaveDuringABuild(t, s) })
	t.Run("StartsEarly", func(t *testing.T) { testWatchStartsEarly(t, s) })
	t.Run("CancelRunning", func(t *testing.T) { testWatchCancelRunning(t, s) })
	t.Run("StopCleansUp", func(t *testing.T) { testWatchStopCleansUp(t, s) })
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(fmt.Sprint("Signal ", sig), func(t *testing.T) { testWatchSignal(t, s, sig) })
	}
}

// twoStages copies lib in its first stage and src in its second.
const twoStages = `FROM localhost/busybox AS lib
RUN echo lib > /lib.txt
COPY lib /lib

FROM localhost/busybox
RUN echo app > /app.txt
COPY src /app
RUN cat /app/main.txt
COPY --from=lib /lib /lib
`

// testWatchChanges drives one session through the changes that must and
// must not rebuild. Every rebuild must be triggered by exactly the files
// saved for it, so a rebuild for nothing (an ignored file, an editor swap
// file, the iidfile) shows up as a wrong trigger.
func testWatchChanges(t *testing.T, s *buildahtest.Store) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": twoStages, ".dockerignore": "src/ignored.txt\n",
		"src/main.txt": "v0", "lib/lib.txt": "lib", "notes.txt": "not copied",
	})
	iid := filepath.Join(dir, "src", "image.iid") // inside a COPY source
	w := startWatch(t, s, dir, "watch", "--iidfile", iid, "-t", "localhost/watch-test:1")
	if c := w.next(); c.Files != nil || !c.ok() {
		t.Fatalf("first build: trigger %v, result %v\nstderr:\n%s", c.Files, c.Result, w.stderr)
	}

	for _, rel := range []string{"src/ignored.txt", "src/.main.txt.swp", "src/4913", "src/main.txt~", "notes.txt", ".git/index"} {
		w.write(rel, "noise")
	}
	w.write("src/main.txt", "v1")
	c := w.rebuild("src/main.txt")
	checkStepsRan(t, c)

	for i := range 20 {
		w.write("src/main.txt", fmt.Sprint("save ", i))
	}
	w.rebuild("src/main.txt")
	// The result line of the first rebuild is written before the second
	// starts.
	// FROM (step 1) is not counted: the cache does not hold it.
	steps := 0
	for _, st := range c.Steps {
		if st.Step > 1 {
			steps++
		}
	}
	done := fmt.Sprintf("watch: rebuilding for src/main.txt\n(?s:.*)watch: built %.12s \\(localhost/watch-test:1\\) in [0-9.]+s, %d/%d steps cached\n",
		c.Result["image_id"], len(c.Steps)-len(c.ran()), steps)
	if !regexp.MustCompile(done).MatchString(w.stderr.String()) {
		t.Errorf("stderr does not match %q:\n%s", done, w.stderr)
	}

	if err := os.MkdirAll(filepath.Join(dir, "src/a/b/c"), 0o755); err != nil {
		t.Fatal(err)
	}
	w.write("src/a/b/c/f.txt", "new")
	w.rebuild("src/a/b/c/f.txt")

	if err := os.Rename(filepath.Join(dir, "src/a"), filepath.Join(dir, "src/z")); err != nil {
		t.Fatal(err)
	}
	w.rebuild("src/a", "src/z/b/c/f.txt")
	w.write("src/z/b/c/g.txt", "under the new name")
	w.rebuild("src/z/b/c/g.txt")

	w.write("Dockerfile", twoStages+"FROBNICATE now\n")
	c = w.next()
	if !slices.Equal(c.Files, []string{"Dockerfile"}) || c.Result["type"] != "build_failed" ||
		num(c.Result["line"]) != 10 || !strings.HasSuffix(c.Result["file"].(string), "Dockerfile") {
		t.Fatalf("broken build file: trigger %v, result %v", c.Files, c.Result)
	}
	if !strings.Contains(w.stderr.String(), "Dockerfile:10:") {
		t.Errorf("stderr does not locate the error at Dockerfile:10:\n%s", w.stderr)
	}
	w.write("Dockerfile", twoStages)
	w.rebuild("Dockerfile")

	w.write("src/main.txt", "last")
	c = w.rebuild("src/main.txt")
	if id, _ := os.ReadFile(iid); string(id) != "sha256:"+c.Result["image_id"].(string) {
		t.Errorf("iidfile holds %q, the last build made %v", id, c.Result["image_id"])
	}
	w.stop()
	checkNothingLeft(t, s)
}

// checkStepsRan checks a rebuild after saving a file the second stage
// copies: thanks to the layer cache only that stage's steps from the COPY
// on run.
func checkStepsRan(t *testing.T, c *cycle) {
	t.Helper()
	var ran []string
	for _, r := range c.ran() {
		if !strings.HasSuffix(r, "/1") { // FROM
			ran = append(ran, r)
		}
	}
	want := []string{"1/3", "1/4", "1/5"}
	slices.Sort(ran)
	if !slices.Equal(ran, want) {
		t.Errorf("steps that ran: %v, want %v (all steps: %+v)", ran, want, c.Steps)
	}
}

// slowBuild sleeps in its RUN step while src/slow exists.
const slowBuild = `FROM localhost/busybox
COPY src /app
RUN if [ -e /app/slow ]; then sleep 4; fi
`

// startSlowWatch starts a session on slowBuild, in a context unique to the
// test (no cache hits from other tests), and waits for its first build.
func startSlowWatch(t *testing.T, s *buildahtest.Store, command string, flags ...string) *watchSessionT {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": slowBuild, "src/a.txt": t.Name()})
	w := startWatch(t, s, dir, command, flags...)
	if c := w.next(); !c.ok() {
		t.Fatalf("first build: %v", c.Result)
	}
	return w
}

// startSlowBuild saves src/slow and waits until the build it triggers
// runs the slow step.
func startSlowBuild(w *watchSessionT) {
	w.t.Helper()
	w.write("src/slow", "")
	ev := w.waitFor("watch_triggered", nil)
	if files := stringList(ev["files"]); !slices.Equal(files, []string{"src/slow"}) {
		w.t.Fatalf("trigger %v, want [src/slow]", files)
	}
	w.waitFor("step_started", func(ev map[string]any) bool {
		return strings.HasPrefix(ev["instruction"].(string), "RUN ")
	})
}

func testWatchSaveDuringABuild(t *testing.T, s *buildahtest.Store) {
	w := startSlowWatch(t, s, "watch")
	startSlowBuild(w)
	// Two saves far enough apart to be two batches of the watcher, both
	// while the build runs: one follow-up build for both.
	w.write("src/b.txt", "b")
	time.Sleep(600 * time.Millisecond)
	w.write("src/c.txt", "c")
	if c := w.next(); !c.ok() {
		t.Fatalf("the build during the saves: %v", c.Result)
	}
	w.rebuild("src/b.txt", "src/c.txt")
	if err := os.Remove(filepath.Join(w.dir, "src/slow")); err != nil {
		t.Fatal(err)
	}
	w.rebuild("src/slow")
	w.stop()
	checkNothingLeft(t, s)
}

// testWatchStartsEarly checks that a rebuild starts while the quiet period
// still runs and shows nothing before it ends, and that a save meanwhile
// starts it over silently: one rebuild, for both saves.
func testWatchStartsEarly(t *testing.T, s *buildahtest.Store) {
	w := startSlowWatch(t, s, "watch", "--debounce", "6s")
	announced := strings.Count(w.stderr.String(), "watch: rebuilding")
	w.write("src/slow", "") // its build sleeps 4s: it is still running at the next save
	awaitContainer(t, s)
	if n := len(w.events); n > 0 {
		t.Fatalf("%d events shown before the quiet period ended: %v", n, <-w.events)
	}
	w.write("src/b.txt", "b")
	w.rebuild("src/b.txt", "src/slow")
	if n := strings.Count(w.stderr.String(), "watch: rebuilding") - announced; n != 1 {
		t.Errorf("%d rebuilds announced for two saves within the quiet period, want 1:\n%s", n, w.stderr)
	}
	if strings.Contains(w.stderr.String(), "cancelled") {
		t.Errorf("the build the second save started over was reported:\n%s", w.stderr)
	}
	w.stop()
	checkNothingLeft(t, s)
}

// awaitContainer waits until a build has a working container.
func awaitContainer(t *testing.T, s *buildahtest.Store) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for len(s.Containers(t)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no build started within %s", patience)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testWatchCancelRunning(t *testing.T, s *buildahtest.Store) {
	w := startSlowWatch(t, s, "build", "--watch", "--cancel-running")
	startSlowBuild(w)
	w.write("src/b.txt", "b")
	if c := w.next(); c.Result["type"] != "build_failed" {
		t.Fatalf("the running build was not cancelled: %v", c.Result)
	}
	w.rebuild("src/b.txt", "src/slow")
	if !strings.Contains(w.stderr.String(), "watch: build cancelled\n") {
		t.Errorf("stderr does not report the cancelled build:\n%s", w.stderr)
	}
	w.stop()
	checkNothingLeft(t, s)
}

// testWatchStopCleansUp interrupts a session while a RUN step runs.
func testWatchStopCleansUp(t *testing.T, s *buildahtest.Store) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo started && sleep 677\n"})
	w := startWatch(t, s, dir, "build", "--watch")
	w.waitFor("output", func(ev map[string]any) bool { return ev["line"] == "started" })
	w.stop()
	if !strings.HasSuffix(w.stderr.String(), "watch: build cancelled\nwatch: stopped\n") {
		t.Errorf("stderr does not end with the cancelled build and the stop:\n%s", w.stderr)
	}
	checkNothingLeft(t, s)
	if pids := processes(t, "sleep\x00677\x00"); len(pids) > 0 {
		t.Errorf("the RUN step's processes survive: %v", pids)
	}
}

// processes lists the IDs of processes whose command line is cmdline.
func processes(t *testing.T, cmdline string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, p := range dirs {
		if b, err := os.ReadFile(p); err == nil && string(b) == cmdline {
			pids = append(pids, filepath.Base(filepath.Dir(p)))
		}
	}
	return pids
}

// testWatchBuildFileElsewhere watches a build file kept outside the
// context that does not parse at first, and an ignore file that changes.
func testWatchBuildFileElsewhere(t *testing.T, s *buildahtest.Store) {
	dir := t.TempDir()
	const good = "FROM localhost/busybox\nCOPY . /app\nRUN if [ -e /app/fail ]; then echo failing; exit 3; fi\n"
	writeFiles(t, dir, map[string]string{
		"Dockerfile":        "FROM localhost/busybox\nCOPY . /app\nCOPY\n",
		"ctx/.dockerignore": "gen\n", "ctx/gen/out.txt": "0", "ctx/main.txt": "0",
	})
	w := startWatch(t, s, filepath.Join(dir, "ctx"), "watch", "-f", filepath.Join(dir, "Dockerfile"))
	if c := w.next(); c.Result["type"] != "build_failed" || num(c.Result["line"]) != 3 {
		t.Fatalf("first build of a broken file: %v", c.Result)
	}
	if !strings.Contains(w.stderr.String(), "Dockerfile:3:") {
		t.Errorf("stderr does not locate the error at Dockerfile:3:\n%s", w.stderr)
	}
	w.write("../Dockerfile", good)
	w.rebuild("../Dockerfile")

	w.write("gen/out.txt", "1") // ignored: not even watched
	w.write(".dockerignore", "# nothing ignored\n")
	w.rebuild(".dockerignore")
	w.write("gen/out.txt", "2")
	w.rebuild("gen/out.txt")

	w.write("fail", "")
	if c := w.next(); c.Result["type"] != "build_failed" || num(c.Result["line"]) != 3 {
		t.Fatalf("failing RUN: %v", c.Result)
	}
	if err := os.Remove(filepath.Join(w.dir, "fail")); err != nil {
		t.Fatal(err)
	}
	w.rebuild("fail")
	w.stop()
}

// testWatchPlain checks what a person sees with --progress plain.
func testWatchPlain(t *testing.T, s *buildahtest.Store) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM localhost/busybox\nCOPY src /app\nRUN if [ -e /app/fail ]; then echo failing; exit 3; fi\n",
		"src/a.txt":  t.Name(),
	})
	w := startWatch(t, s, dir, "watch", "--progress", "plain")
	w.waitStderr("watch: built ")
	w.write("src/fail", "")
	for _, want := range []string{
		"watch: rebuilding for src/fail\n",
		"#3 ERROR: process \"/bin/sh -c if [ -e /app/fail ]; then echo failing; exit 3; fi\" did not complete successfully: exit code: 3",
		">>> RUN if [ -e /app/fail ]; then echo failing; exit 3; fi",
		"watch: build failed after ",
	} {
		w.waitStderr(want)
	}
	if !strings.Contains(w.stderr.String(), "Dockerfile:3") {
		t.Errorf("the failure report does not locate the RUN at Dockerfile:3:\n%s", w.stderr)
	}
	w.stop()
}

// waitStderr waits until standard error holds want.
func (w *watchSessionT) waitStderr(want string) {
	w.t.Helper()
	for deadline := time.Now().Add(patience); !strings.Contains(w.stderr.String(), want); {
		if time.Now().After(deadline) {
			w.t.Fatalf("stderr lacks %q after %s:\n%s", want, patience, w.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWatchUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\n"})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"build", "--debounce", "1s", dir}, "--debounce only applies with --watch"},
		{[]string{"build", "--cancel-running", dir}, "--cancel-running only applies with --watch"},
		{[]string{"watch", "--debounce", "0s", dir}, "--debounce 0s: use a positive duration"},
		{[]string{"watch", filepath.Join(dir, "missing")}, "is not a directory"},
		{[]string{"watch", t.TempDir()}, "no ZImagefile or Dockerfile found"},
		{[]string{"build", "--watch", "--progress", "fancy", dir}, "--progress"},
		{[]string{"watch", "--format", "tar", dir}, "--format tar"},
	}
	for _, tt := range tests {
		root := &cobra.Command{Use: "zlayer", SilenceUsage: true, SilenceErrors: true}
		root.AddCommand(newBuildCmd(), newWatchCmd())
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.SetArgs(tt.args)
		err := root.Execute()
		if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("zlayer %q: exit %d, error %v; want exit 2 and %q", tt.args, code, err, tt.want)
		}
	}
}

// asZlayer names the environment variable that makes the test binary run
// as zlayer with the arguments it holds, a JSON list.
const asZlayer = "ZLAYER_WATCH_TEST_ARGS"

// runAsZlayer runs zlayer with args and exits as main does.
func runAsZlayer(args string) {
	root := &cobra.Command{Use: "zlayer", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newBuildCmd(), newWatchCmd())
	var argv []string
	err := json.Unmarshal([]byte(args), &argv)
	if err == nil {
		root.SetArgs(argv)
		err = root.Execute()
	}
	if err != nil && err.Error() != "" {
		fmt.Fprintln(os.Stderr, "zlayer:", err)
	}
	os.Exit(exitCode(err))
}

// testWatchSignal sends sig to a zlayer process in the middle of a RUN
// step: SIGINT as Ctrl-C does, SIGTERM as kill does, SIGHUP as closing an
// editor's terminal does.
func testWatchSignal(t *testing.T, s *buildahtest.Store, sig os.Signal) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo started && sleep 688\n"})
	args := []string{"watch", "--progress", "json", "--root", s.CLI.Root, "--runroot", s.CLI.RunRoot, "--storage-driver", "overlay", dir}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatch$")
	argv, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), asZlayer+"="+string(argv))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	w := &watchSessionT{t: t, events: make(chan map[string]any, 1000), stderr: &stderr}
	go w.readEvents(stdout)
	w.waitFor("output", func(ev map[string]any) bool { return ev["line"] == "started" })
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for range w.events {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("zlayer watch after %s: %v; stderr:\n%s", sig, err, &stderr)
	}
	if !strings.HasSuffix(stderr.String(), "watch: build cancelled\nwatch: stopped\n") {
		t.Errorf("stderr does not end with the cancelled build and the stop:\n%s", &stderr)
	}
	checkNothingLeft(t, s)
	if pids := processes(t, "sleep\x00688\x00"); len(pids) > 0 {
		t.Errorf("the RUN step's processes survive: %v", pids)
	}
}
