package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/runner/buildcontext"
	"github.com/zlayer/zlayer/runner/progress"
	"github.com/zlayer/zlayer/runner/watch"
)

// watchFlags are the options of watch mode, taken by `zlayer watch` and by
// `zlayer build --watch`.
type watchFlags struct {
	watch         bool // build --watch
	debounce      time.Duration
	cancelRunning bool
}

func (w *watchFlags) register(fs *pflag.FlagSet) {
	fs.DurationVar(&w.debounce, "debounce", watch.DefaultDebounce, "tag a rebuild once no change has arrived for this `DURATION`")
	fs.BoolVar(&w.cancelRunning, "cancel-running", false, "cancel a running build when a change arrives and start over")
}

// registerOnBuild adds --watch and the watch flags to `zlayer build`.
func (w *watchFlags) registerOnBuild(fs *pflag.FlagSet) {
	fs.BoolVar(&w.watch, "watch", false, "keep running and rebuild on every change (same as `zlayer watch`)")
	w.register(fs)
}

// needsWatch rejects watch flags given to `zlayer build` without --watch.
func (w *watchFlags) needsWatch(fs *pflag.FlagSet) error {
	for _, name := range []string{"debounce", "cancel-running"} {
		if fs.Changed(name) && !w.watch {
			return usageErrorf("--%s only applies with --watch", name)
		}
	}
	return nil
}

func newWatchCmd() *cobra.Command {
	var f buildFlags
	var w watchFlags
	cmd := &cobra.Command{
		Use:   "watch [CONTEXT]",
		Short: "Build an image, then rebuild it whenever a file the build uses changes",
		Long: `Build an image like ` + "`zlayer build`" + ` (it takes every build flag), then keep watching
the build context and rebuild after every change the build can see: the build file
(always), the ignore file, files under a build: directive's context, and the COPY,
ADD and RUN --mount=type=bind sources the ignore file does not exclude. Editor temp
files, .git, and what the build writes itself (--iidfile) never trigger a build.

A rebuild counts once no change has arrived for --debounce (300ms), and at the latest
10s after the first change: only then are its output shown and its image tagged. It
starts earlier, as soon as a save has settled (20ms), so that the quiet period runs
alongside the build; if another change comes first, it is dropped and the changes
wait for their quiet period. Changes made
while a rebuild that counts runs cause one more build after it, or with
--cancel-running stop it and start over. A failing build, or a build file that no
longer parses, is reported and watching goes on. Ctrl-C stops watching and cleans up
a running build; press it twice to quit without cleaning up.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatch(cmd, &f, &w, contextArg(args))
		},
	}
	f.register(cmd.Flags())
	w.register(cmd.Flags())
	return cmd
}

// runWatch builds once, then rebuilds on every relevant change until
// interrupted. Stopping is not a failure: it returns nil then.
func runWatch(cmd *cobra.Command, f *buildFlags, wf *watchFlags, contextDir string) error {
	if wf.debounce <= 0 {
		return usageErrorf("--debounce %s: use a positive duration such as 300ms", wf.debounce)
	}
	if fi, err := os.Stat(contextDir); err != nil || !fi.IsDir() {
		return usageErrorf("build context %s is not a directory", contextDir)
	}
	s, err := newWatchSession(cmd, f, contextDir)
	if err != nil {
		return err
	}
	// SIGHUP too: closing an editor's terminal must clean up as well.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	w, err := watch.New(ctx, s.bc.Dir(), watch.Options{
		Debounce: wf.debounce,
		Relevant: s.rel.Relevant,
		SkipDir:  s.rel.SkipDir,
		Outputs:  f.outputs(),
		Files:    s.configFiles(), // those inside the context are dropped
		Logf:     s.logf,
	})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer w.Close()
	s.w = w
	s.spares = runner.NewSpares(f.buildah())
	defer s.spares.Close()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C quits at once
	}()
	s.notef("watch: building %s, then again on every change in %s (Ctrl-C stops)", s.bf.Path, s.bc.Dir())
	err = watch.Run(ctx, w, watch.RunOptions{Build: s.build, CancelRunning: wf.cancelRunning})
	s.notef("watch: stopped")
	return err
}

// outputs lists what a build writes that may lie inside the build
// context, so that writing it never triggers a rebuild.
func (f *buildFlags) outputs() []string {
	var out []string
	for _, p := range []string{f.iidfile, f.root, f.runroot} {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			out = append(out, abs)
		}
	}
	return out
}

// watchSession is one run of watch mode: the build file, the options made
// from it and the relevance of changes, read again when the build file or
// the ignore file changes. watch.Run calls build from one goroutine at a
// time, so only the output needs a lock.
type watchSession struct {
	f          *buildFlags
	contextDir string
	mode       string    // progress mode
	out        io.Writer // the build's progress output: stdout for json, else stderr
	stderr     io.Writer // the build's messages
	consoleOut io.Writer // out and stderr while no build holds its output back
	console    io.Writer
	w          *watch.Watcher
	spares     *runner.Spares // containers made ahead for the next rebuild

	bf      runner.BuildFile
	bc      *buildcontext.Context
	rel     *watch.Relevance
	opts    runner.Options
	config  []string // root-relative paths whose change means loading again
	loadErr error    // why the build file cannot be built, until it is fixed
}

func newWatchSession(cmd *cobra.Command, f *buildFlags, contextDir string) (*watchSession, error) {
	var mu sync.Mutex
	stderr := &lockedWriter{mu: &mu, w: cmd.ErrOrStderr()}
	s := &watchSession{f: f, contextDir: contextDir, stderr: stderr, out: stderr, console: stderr, consoleOut: stderr}
	s.mode = progress.Mode(f.progress, cmd.ErrOrStderr())
	if s.mode == progress.JSON {
		s.out = &lockedWriter{mu: &mu, w: cmd.OutOrStdout()}
		s.consoleOut = s.out
	}
	if _, err := progress.New(io.Discard, s.mode); err != nil {
		return nil, usageErrorf("--progress: %v", err)
	}
	f.cacheWarnings(stderr)
	// A build file with errors is reported by the first build, and
	// watching waits for it to be fixed; anything else is bad usage.
	var le *runner.LoadError
	if err := s.load(); err != nil && !errors.As(err, &le) {
		var ee *exitError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, &exitError{code: 2, err: err}
	}
	return s, nil
}

// load reads the build file and the ignore file and updates the build
// options and the relevance of changes. The relevance is updated even when
// the build file has errors, so that saving it again is seen.
func (s *watchSession) load() error {
	s.loadErr = nil
	bf, err := s.findBuildFile()
	if err != nil {
		s.loadErr = err
		return err
	}
	s.bf = bf
	bc, err := buildcontext.Open(s.contextDir, s.buildFilePath())
	if err != nil {
		s.loadErr = err
		return err
	}
	p, ds, err := runner.Load(bf)
	printDiagnostics(s.stderr, ds)
	if err == nil {
		s.opts, err = s.f.options(p, s.contextDir)
	}
	if s.rel == nil {
		s.rel = watch.NewRelevance(bc, s.buildFilePath(), p)
	} else {
		s.rel.Update(bc, s.buildFilePath(), p)
	}
	ignoreChanged := s.bc != nil && (s.bc.IgnoreFile() != bc.IgnoreFile() || !slices.Equal(s.bc.Patterns(), bc.Patterns()))
	s.bc, s.config = bc, s.configPaths(bc.Dir())
	if ignoreChanged && s.w != nil {
		s.w.Refresh()
	}
	s.loadErr = err
	return err
}

func (s *watchSession) findBuildFile() (runner.BuildFile, error) {
	if s.f.runtime != "" {
		return runner.RuntimeBuildFile(s.f.runtime, s.contextDir)
	}
	return runner.FindBuildFile(s.contextDir, s.f.file, s.f.zfile)
}

// buildFilePath is the build file's path, or "" for a runtime template.
func (s *watchSession) buildFilePath() string {
	if strings.HasPrefix(s.bf.Path, "runtime:") {
		return ""
	}
	return s.bf.Path
}

// configFiles lists the build file and the ignore files that may apply
// to it.
func (s *watchSession) configFiles() []string {
	files := []string{filepath.Join(s.contextDir, ".containerignore"), filepath.Join(s.contextDir, ".dockerignore")}
	if bf := s.buildFilePath(); bf != "" {
		files = append(files, bf, bf+".dockerignore", bf+".containerignore")
	}
	return files
}

// configPaths returns configFiles relative to root, the way the watcher
// reports them.
func (s *watchSession) configPaths(root string) []string {
	var out []string
	for _, f := range s.configFiles() {
		abs, err := filepath.Abs(f)
		if err != nil {
			continue
		}
		if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(dir, filepath.Base(abs))
		}
		if rel, err := filepath.Rel(root, abs); err == nil {
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

// touchesConfig reports whether a change at one of paths means the build
// file or the ignore file must be read again.
func (s *watchSession) touchesConfig(paths []string) bool {
	for _, p := range paths {
		for _, c := range s.config {
			if c == p || strings.HasPrefix(c, p+"/") {
				return true
			}
		}
	}
	return false
}

// build is watch.RunOptions.Build: it reports the trigger, reads the
// build file again when needed and builds. A provisional build (see
// watch.Trigger) shows its output and tags its image only once its quiet
// period has passed.
func (s *watchSession) build(ctx context.Context, t watch.Trigger) error {
	s.holdOutput(ctx, t.Quiet)
	defer func() { s.out, s.stderr = s.consoleOut, s.console }()
	if !t.Initial {
		s.announce(t)
		if t.Rescan || s.loadErr != nil || s.touchesConfig(t.Paths) {
			s.load()
		}
	}
	if s.loadErr != nil {
		s.reportLoadError()
		return s.loadErr
	}
	return s.runBuild(ctx, t.Quiet)
}

// holdOutput holds the build's output back until quiet is closed, and
// drops it if ctx ends first: a build overtaken by another change never
// shows.
func (s *watchSession) holdOutput(ctx context.Context, quiet <-chan struct{}) {
	if quiet == nil {
		return // as for Options.Hold: nothing to wait for
	}
	select {
	case <-quiet:
		return
	default:
	}
	h := &heldOutput{held: true}
	s.out, s.stderr = h.writer(s.consoleOut), h.writer(s.console)
	go func() {
		select {
		case <-quiet:
			h.end(true)
		case <-ctx.Done():
			h.end(false)
		}
	}()
}

// announce says which changes triggered a rebuild.
func (s *watchSession) announce(t watch.Trigger) {
	if s.mode == progress.JSON {
		if b, err := runner.MarshalEvent(t.Event()); err == nil {
			s.out.Write(append(b, '\n'))
		}
	}
	s.notef("watch: rebuilding for %s", t.Summary(5))
	if n := len(t.Files()); n > manyFiles {
		s.notef("watch: %d files changed at once (a branch switch?); list generated directories in the ignore file so that they never trigger a build", n)
	}
}

// manyFiles is how many changed files make a rebuild worth a hint.
const manyFiles = 1000

// reportLoadError reports a build file that cannot be built. Its
// diagnostics, with file and line, were printed when it was read; for
// --progress json it is also a build_failed event at the first error.
func (s *watchSession) reportLoadError() {
	var le *runner.LoadError
	if !errors.As(s.loadErr, &le) {
		s.notef("watch: %v\nwatch: waiting for the next change", s.loadErr)
		return
	}
	if s.mode == progress.JSON {
		ev := runner.BuildFailed{Error: "the build file has errors", Stage: -1, File: le.File}
		if i := slices.IndexFunc(le.Diagnostics, func(d diag.Diagnostic) bool { return d.Severity == diag.Error }); i >= 0 {
			d := le.Diagnostics[i]
			ev.Error = runner.FormatDiagnostic(d)
			if !d.NoRange {
				ev.Line = d.Range.Start.Line
			}
		}
		if b, err := runner.MarshalEvent(ev); err == nil {
			s.out.Write(append(b, '\n'))
		}
	}
	s.notef("watch: %s has errors; fix it and save to rebuild", le.File)
}

// runBuild runs one build and reports its result in one line. The build
// tags its image once quiet is closed.
func (s *watchSession) runBuild(ctx context.Context, quiet <-chan struct{}) error {
	pr, err := progress.New(s.out, s.mode)
	if err != nil {
		return err
	}
	var n stepTally
	opts := s.opts
	opts.Hold, opts.Spares = quiet, s.spares
	opts.Events = func(e runner.Event) {
		n.count(e)
		pr.Event(e)
	}
	started := time.Now()
	res, err := runner.Build(ctx, opts)
	pr.Close()
	switch {
	case err != nil && ctx.Err() != nil:
		s.notef("watch: build cancelled")
	case err != nil:
		if s.mode != progress.JSON {
			progress.Failure(s.stderr, err, s.failureSource())
		}
		s.notef("watch: build failed after %s; waiting for the next change", seconds(time.Since(started)))
	default:
		s.notef("watch: built %s%s in %s, %d/%d steps cached", shortID(res.ImageID), tagNote(res.Tags),
			seconds(res.Duration), n.cached, n.total)
	}
	return err
}

// failureSource is the build file's text for the failure report, when
// the failing plan is the one read from it.
func (s *watchSession) failureSource() []byte {
	if filepath.Clean(s.bf.Path) != filepath.Clean(s.opts.Plan.File) {
		return nil
	}
	return s.bf.Source
}

// notef writes one line of watch-mode status about the build to
// standard error.
func (s *watchSession) notef(format string, args ...any) {
	fmt.Fprintf(s.stderr, format+"\n", args...)
}

// logf writes one line of the watcher's own status to standard error,
// whatever a build holds back.
func (s *watchSession) logf(format string, args ...any) {
	fmt.Fprintf(s.console, format+"\n", args...)
}

// stepTally counts a build's finished steps and how many of them came from
// the layer cache; FROM, step 1 of a stage, is not one the cache holds.
// Events are delivered one at a time.
type stepTally struct{ total, cached int }

func (n *stepTally) count(e runner.Event) {
	if sd, ok := e.(runner.StepDone); ok && sd.Step > 1 {
		n.total++
		if sd.Cached {
			n.cached++
		}
	}
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(len(id), 12)]
}

func tagNote(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return " (" + strings.Join(tags, ", ") + ")"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// heldOutput holds back what a provisional build writes, until the build
// counts or is dropped; from then on writes go through, or are dropped
// too.
type heldOutput struct {
	mu      sync.Mutex
	held    bool
	dropped bool
	writes  []heldWrite
}

type heldWrite struct {
	to io.Writer
	p  []byte
}

// writer returns a writer to w that h holds back.
func (h *heldOutput) writer(w io.Writer) io.Writer { return &heldWriter{h, w} }

// end shows what was held back (publish) or drops it, and everything
// written after.
func (h *heldOutput) end(publish bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if publish {
		for _, hw := range h.writes {
			hw.to.Write(hw.p)
		}
	}
	h.held, h.dropped, h.writes = false, !publish, nil
}

type heldWriter struct {
	h  *heldOutput
	to io.Writer
}

func (w *heldWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	switch {
	case w.h.dropped:
		return len(p), nil
	case w.h.held:
		w.h.writes = append(w.h.writes, heldWrite{w.to, bytes.Clone(p)})
		return len(p), nil
	}
	return w.to.Write(p)
}

// lockedWriter serializes writes from the build and the watcher to one
// stream; the two streams of a session share the lock so that lines do
// not interleave.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
