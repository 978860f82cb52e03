package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildah"
	"github.com/zlayer/zlayer/runner/buildcontext"
)

// build is one run of Build: the options, the resolved plan and everything
// made along the way that cleanup must remove.
type build struct {
	opts  Options
	cli   *buildah.CLI
	id    string // unique per build, lower-case hex
	start time.Time
	res   *plan.Resolved
	tmp   string // private temporary directory (heredocs, secrets)

	emitMu sync.Mutex

	bg    sync.WaitGroup // removals of working containers no stage reads any more
	reads map[int]int    // by stage: instructions left that copy or mount from it (see doneReading); under mu

	mu         sync.Mutex
	containers []string   // working containers to remove
	wants      []spareKey // images the stages made their first containers from, for Options.Spares
	images     []string   // intermediate images to remove
	depImages  []string   // build: dependency images
	warnings   []diag.Diagnostic
	stages     map[int]*stageOut
	cacheUse   map[string]int                 // cache mount IDs in use (sharing=private)
	inspected  map[string]*imageQuery         // images looked for in the store, by reference
	entries    map[string]*entryClaim         // cache entries the stages commit, by key hash; see commitEntry
	matched    map[string][]buildcontext.File // context files by source list; see match

	cacheBegun chan struct{} // closed when the layer cache is ready, see beginCache
	cacheErr   error         // why it is not

	ctxOnce sync.Once // opens the build context on first use
	bctx    *buildcontext.Context
	bctxErr error
}

// stageOut is what later stages need from a finished stage.
type stageOut struct {
	done    chan struct{}
	err     error
	image   string // committed image ID
	workdir string // final working directory
	tagged  bool   // the image was committed under the first tag
	owned   bool   // the image is this build's own, not a layer cache entry

	// finishing is closed when the stage runs its last step that changes
	// files instead of reusing the cache: its image will be new, so every
	// step that reads it misses the cache, and a stage waiting for it can
	// prepare that step meanwhile.
	finishing chan struct{}
	// filesReady is closed when the stage's working container holds its
	// final files, before they are committed; ctr, mnt and workdir are set
	// then (see stageRun.filesFinal).
	filesReady chan struct{}

	ctrMu sync.Mutex
	ctr   string // working container, kept while steps read it; see stageContainer
	mnt   string // where ctr is mounted, once it is; see stageMount
}

func newBuild(opts Options) (*build, error) {
	if opts.Plan == nil {
		return nil, errors.New("runner: no plan to build")
	}
	switch opts.Format {
	case "":
		opts.Format = "oci"
	case "oci", "docker":
	default:
		return nil, fmt.Errorf("unknown image format %q: use oci or docker", opts.Format)
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	if opts.ContextDir == "" {
		opts.ContextDir = "."
	}
	dir, err := filepath.Abs(opts.ContextDir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", opts.ContextDir, err)
	}
	opts.ContextDir = dir
	cli := opts.Buildah
	if cli == nil {
		cli = &buildah.CLI{}
	}
	return &build{opts: opts, cli: cli, id: newID(), stages: map[int]*stageOut{}, cacheUse: map[string]int{},
		inspected: map[string]*imageQuery{}}, nil
}

// newID returns a random 12-digit lower-case hex string.
func newID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (b *build) run(ctx context.Context) (res *Result, err error) {
	b.start = time.Now()
	defer func() {
		b.cleanup()
		if err != nil {
			b.emit(failedEvent(err))
		}
		b.mu.Lock()
		wants := b.wants
		b.mu.Unlock()
		b.opts.Spares.refill(wants)
	}()
	if err := b.refuseUnbuildable(); err != nil {
		return nil, err
	}
	if !b.dry() && !b.cli.Available() {
		return nil, fmt.Errorf("buildah was not found (%s): install it (on Debian: apt-get install buildah) or give its path", b.cli.Argv()[0])
	}
	if !b.dry() {
		if b.tmp, err = os.MkdirTemp(b.cli.TmpDir, "zlayer-build-"); err != nil {
			return nil, fmt.Errorf("making a temporary directory: %w", err)
		}
	}
	p, err := b.buildNested(ctx)
	if err != nil {
		return nil, err
	}
	b.res = plan.Resolve(p, plan.Options{BuildArgs: b.opts.BuildArgs, Target: b.opts.Target, Platform: b.opts.Platform})
	for _, d := range b.res.Diagnostics {
		if d.Severity == diag.Error {
			return nil, diagError(d)
		}
		b.warn(d)
	}
	steps := 0
	for _, rs := range b.res.Stages {
		steps += 1 + len(rs.Instructions)
	}
	b.emit(BuildStarted{Stages: len(b.res.Stages), Steps: steps})
	endCache := b.beginCache(ctx)
	final, err := b.runStages(ctx)
	if err != nil {
		endCache(ctx)
		return nil, err
	}
	// Every stage is done: the working containers go while the image is
	// finished (in a dry run, cleanup lists their removal last).
	if !b.dry() {
		removed := make(chan struct{})
		go func() {
			defer close(removed)
			b.removeContainers()
		}()
		defer func() { <-removed }()
	}
	cacheEnded := make(chan error, 1)
	go func() { cacheEnded <- endCache(ctx) }()
	return b.finish(ctx, final, cacheEnded)
}

// refuseUnbuildable rejects Windows stages before any work (ZI302).
func (b *build) refuseUnbuildable() error {
	for _, st := range b.opts.Plan.Stages {
		if strings.EqualFold(st.OS, "windows") || strings.HasPrefix(strings.ToLower(st.Platform), "windows") {
			return diagError(diag.Diagnostic{
				File: b.opts.Plan.File, Range: st.BaseRange, Severity: diag.Error, Code: "ZI302",
				Message: "target OS 'windows' is not supported by this builder; only Linux images can be built",
			})
		}
	}
	return nil
}

// runStages builds the resolved stages, each as soon as the stages it
// depends on are done, at most Jobs at a time. The first failure cancels
// the others. It returns the target stage's output.
func (b *build) runStages(ctx context.Context) (*stageOut, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for _, rs := range b.res.Stages {
		b.stages[rs.Index] = &stageOut{done: make(chan struct{}), finishing: make(chan struct{}), filesReady: make(chan struct{})}
	}
	b.countReads()
	sem := make(chan struct{}, b.opts.Jobs)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for _, rs := range b.res.Stages {
		out := b.stages[rs.Index]
		wg.Go(func() {
			out.err = b.runStage(ctx, rs, sem)
			close(out.done)
			if out.err != nil {
				if ctx.Err() == nil || !errors.Is(out.err, context.Canceled) {
					errOnce.Do(func() { firstErr = out.err })
				}
				cancel(out.err)
			}
		})
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = context.Cause(ctx)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return b.stages[b.res.Stages[len(b.res.Stages)-1].Index], nil
}

// countReads counts, for each stage, the instructions that copy or mount
// from it (see doneReading).
func (b *build) countReads() {
	b.reads = map[int]int{}
	for _, rs := range b.res.Stages {
		for _, ins := range rs.Instructions {
			for _, idx := range b.stageReads(rs.Index, ins) {
				b.reads[idx]++
			}
		}
	}
}

// stageReads lists the stages an instruction of stage at copies or mounts
// from.
func (b *build) stageReads(at int, ins plan.Instruction) []int {
	var idx []int
	for _, ref := range plan.StageRefs(ins) {
		if i, ok := b.res.StageRef(ref, at); ok {
			idx = append(idx, i)
		}
	}
	return idx
}

// doneReading records that an instruction of stage at is done, and
// removes in the background the working container of each stage it read
// that no instruction left reads, so that the end of the build has less
// to remove. Should an instruction still read one, it gets a container
// made from the stage's image (see stageContainer).
func (b *build) doneReading(at int, ins plan.Instruction) {
	if b.dry() {
		return // a dry run lists every removal last
	}
	for _, idx := range b.stageReads(at, ins) {
		b.mu.Lock()
		b.reads[idx]--
		last := b.reads[idx] == 0
		b.mu.Unlock()
		if last {
			b.releaseContainer(idx)
		}
	}
}

// releaseContainer removes the working container of stage idx in the
// background.
func (b *build) releaseContainer(idx int) {
	out, ok := b.stages[idx]
	if !ok {
		return
	}
	out.ctrMu.Lock()
	ctr := out.ctr
	out.ctr, out.mnt = "", ""
	out.ctrMu.Unlock()
	if ctr == "" || !b.forgetContainer(ctr) {
		return
	}
	b.bg.Go(func() {
		<-out.done // a step that ran ahead may be done before the stage's commit
		b.removeDetached(ctr)
	})
}

// forgetContainer takes a working container off the list cleanup
// removes; it reports whether it was there.
func (b *build) forgetContainer(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.Index(b.containers, name)
	if i >= 0 {
		b.containers = slices.Delete(b.containers, i, i+1)
	}
	return i >= 0
}

// runStage builds a stage once the stage it is based on is done. The
// stages it copies or mounts from are waited for by the first step that
// needs them, so that the steps before run meanwhile when a job slot is
// free; until those stages are done the stage's events are held back, so
// that it is still reported as starting after them.
func (b *build) runStage(ctx context.Context, rs *plan.ResolvedStage, sem chan struct{}) error {
	s := &stageRun{b: b, rs: rs, out: b.stages[rs.Index], final: rs == b.res.Stages[len(b.res.Stages)-1], sem: sem}
	if rs.BaseStage >= 0 {
		if err := s.await(ctx, rs.BaseStage); err != nil {
			return err
		}
	}
	if !b.dry() && !s.depsDone() && s.tryAcquire() {
		s.early = true
	} else if err := s.awaitDeps(ctx); err != nil {
		return err
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	err := s.run(ctx)
	s.flushEvents()
	return err
}

// depsDone reports whether every stage this one needs is done.
func (s *stageRun) depsDone() bool {
	for _, dep := range s.rs.Deps {
		select {
		case <-s.b.stages[dep].done:
		default:
			return false
		}
	}
	return true
}

// awaitDeps waits for every stage this one needs, then delivers the
// events held back meanwhile.
func (s *stageRun) awaitDeps(ctx context.Context) error {
	for _, dep := range s.rs.Deps {
		if err := s.await(ctx, dep); err != nil {
			return err
		}
	}
	s.flushEvents()
	return nil
}

// tryAcquire takes a job slot if one is free.
func (s *stageRun) tryAcquire() bool {
	select {
	case s.sem <- struct{}{}:
		s.held = true
		return true
	default:
		return false
	}
}

// acquire takes a job slot for the stage unless it holds one.
func (s *stageRun) acquire(ctx context.Context) error {
	if s.held {
		return nil
	}
	select {
	case s.sem <- struct{}{}:
		s.held = true
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// release gives the stage's job slot back.
func (s *stageRun) release() {
	if s.held {
		s.held = false
		<-s.sem
	}
}

// await waits until stage idx is built. The stage gives its job slot up
// while it waits, so that the stage it waits for can have it.
func (s *stageRun) await(ctx context.Context, idx int) error {
	out, ok := s.b.stages[idx]
	if !ok {
		return fmt.Errorf("stage %s needs stage %d, which this build does not build", s.rs.DisplayName(), idx)
	}
	select {
	case <-out.done:
	default:
		held := s.held
		s.release()
		select {
		case <-out.done:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if held {
			if err := s.acquire(ctx); err != nil {
				return err
			}
		}
	}
	if out.err != nil {
		return fmt.Errorf("stage %s: %w", s.rs.DisplayName(), context.Canceled)
	}
	return nil
}

// emit delivers an event to the caller, one at a time.
func (b *build) emit(e Event) {
	if b.opts.Events == nil {
		return
	}
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	b.opts.Events(e)
}

func (b *build) warn(d diag.Diagnostic) {
	b.mu.Lock()
	b.warnings = append(b.warnings, d)
	b.mu.Unlock()
	w := Warning{Code: d.Code, Message: d.Message, File: d.File}
	if !d.NoRange {
		w.Line = d.Range.Start.Line
	}
	b.emit(w)
}

func (b *build) dry() bool { return b.opts.DryRun != nil }

// buildah runs one buildah command that is part of the build (in a dry
// run it is reported instead and out is a placeholder).
func (b *build) buildah(ctx context.Context, cmd buildah.Command) ([]byte, error) {
	if b.dry() {
		b.opts.DryRun(b.cli.Argv(cmd.Args...))
		return []byte(placeholder(cmd.Args)), nil
	}
	return b.cli.Run(ctx, cmd)
}

// do runs a buildah command without output streaming.
func (b *build) do(ctx context.Context, args ...string) ([]byte, error) {
	return b.buildah(ctx, buildah.Command{Args: args})
}

// errDryRun is what queries return in a dry run.
var errDryRun = errors.New("dry run: nothing is inspected")

// inspectContainer queries a working container's configuration.
func (b *build) inspectContainer(ctx context.Context, ctr string) (*buildah.ImageInfo, error) {
	if b.dry() {
		return nil, errDryRun
	}
	return b.cli.InspectContainer(ctx, ctr)
}

// placeholder is the output a dry run pretends a command printed.
func placeholder(args []string) string {
	switch args[0] {
	case "from":
		for i, a := range args {
			if a == "--name" && i+1 < len(args) {
				return args[i+1]
			}
		}
	case "commit":
		return "$(image of " + args[len(args)-1] + ")"
	case "mount":
		return "$(mount of " + args[len(args)-1] + ")"
	}
	return ""
}

func (b *build) addContainer(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Contains(b.containers, name) {
		b.containers = append(b.containers, name)
	}
}

func (b *build) addImage(id string) {
	b.mu.Lock()
	b.images = append(b.images, id)
	b.mu.Unlock()
}

// cleanup removes the build's working containers (unmounting them),
// intermediate images and temporary files. It runs even when ctx was
// cancelled, with a context of its own.
func (b *build) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b.removeContainers()
	b.bg.Wait()
	b.mu.Lock()
	imgs := b.images
	if !b.opts.KeepBuildDeps {
		imgs = append(imgs, b.depImages...)
	}
	b.images, b.depImages = nil, nil
	b.mu.Unlock()
	for _, img := range imgs {
		b.do(ctx, "rmi", img)
	}
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

// removeContainers removes the build's working containers, unmounting
// them.
func (b *build) removeContainers() {
	b.mu.Lock()
	ctrs := b.containers
	b.containers = nil
	b.mu.Unlock()
	b.removeDetached(ctrs...)
}

// removeDetached removes working containers with a context of its own, at
// the lowest CPU priority: nothing waits for it (the image is tagged and
// described meanwhile, or the build goes on).
func (b *build) removeDetached(ctrs ...string) {
	if len(ctrs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b.buildah(ctx, buildah.Command{Args: append([]string{"rm"}, ctrs...), Background: true})
}

// containerName is the name of a working container of this build.
func (b *build) containerName(what string) string {
	return "zlayer-" + b.id + "-" + what
}
