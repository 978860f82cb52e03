package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner/buildah"
	"github.com/zlayer/zlayer/source"
)

// stageRun is the state of one stage while it builds: its working
// container, variable scope and the image configuration the steps so far
// have set.
type stageRun struct {
	b     *build
	rs    *plan.ResolvedStage
	out   *stageOut
	final bool

	ctr       string // working container name
	created   bool   // the working container exists
	committed bool   // the working container's changes are committed as image
	image     string // image holding the state so far, when no step ran ("" for scratch)
	hit       *StepKey
	reading   bool   // the layer cache is still read (until the stage's first miss)
	base      string // base as shown in events
	stepState
	cmdSet   bool
	pending  []pendingStep // metadata steps waiting for one buildah config
	root     *os.Root      // the container's mounted root filesystem, lazily
	mnt      string        // where root is mounted on the host
	mounting chan mounted  // a mount started ahead (mountAhead), until containerRoot takes it
	lastWork int           // index of the last instruction that changes files; -1 for none
	sem      chan struct{} // the build's job slots

	commitAt  []bool          // the layer cache commits right after these instructions (see commitPoints)
	keys      map[int]StepKey // keys of steps computed ahead, by instruction index
	promise   *StepKey        // the cached commit that ends the current group of steps, found ahead
	held      bool            // this stage holds a job slot
	wanted    bool            // the image of the stage's first container is in build.wants
	ahead     []aheadStep     // steps run ahead of the stage they copy from, until settleAhead
	published bool            // filesFinal has published the container
	early     bool            // started before the stages it needs are done: events are held back

	backlogMu sync.Mutex
	backlog   []Event // events held back while early

	healthcheckAt        *plan.Healthcheck // the stage's own health check
	inheritedHealthcheck bool              // the base image has one
}

// pendingStep is a metadata step whose buildah config flags are collected
// until the next step that changes files (or the end of the stage).
type pendingStep struct {
	step    int
	ins     plan.Instruction
	flags   []string
	mkdir   string // WORKDIR to create
	owner   string // user in effect for mkdir
	started time.Time
}

func (s *stageRun) name() string { return s.rs.DisplayName() }

// emit delivers an event of the stage, or holds it back while the stage
// runs early (see build.runStage).
func (s *stageRun) emit(e Event) {
	s.backlogMu.Lock()
	defer s.backlogMu.Unlock()
	if s.early {
		s.backlog = append(s.backlog, e)
		return
	}
	s.b.emit(e)
}

// flushEvents delivers the events held back and ends holding them back.
func (s *stageRun) flushEvents() {
	s.backlogMu.Lock()
	defer s.backlogMu.Unlock()
	for _, e := range s.backlog {
		s.b.emit(e)
	}
	s.backlog, s.early = nil, false
}

// isEarly reports whether the stage still holds its events back; once it
// runs ahead (see showWhenReady), another goroutine may end that.
func (s *stageRun) isEarly() bool {
	s.backlogMu.Lock()
	defer s.backlogMu.Unlock()
	return s.early
}

// awaitSources waits for the stages a step copies or mounts from, when the
// stage runs early. When one of them turns out to rebuild, the step will
// miss the cache, and its working container is made meanwhile; a step
// that may run ahead (see stepAhead) only waits for that stage's files,
// and awaitSources reports whether it runs ahead.
func (s *stageRun) awaitSources(ctx context.Context, n int, ins, x plan.Instruction) (ahead bool, err error) {
	if !s.isEarly() {
		return false, nil
	}
	reads := s.b.stageReads(s.rs.Index, x)
	if len(reads) == 0 {
		return false, nil
	}
	if ahead, err = s.prepareMiss(ctx, s.b.stages[reads[0]], s.canRunAhead(x)); err != nil {
		return false, s.fail(n, ins, err, nil)
	}
	if ahead {
		return true, nil
	}
	return false, s.awaitDeps(ctx)
}

// prepareMiss makes the working container of a step that reads the stage
// out once that stage runs its last step (see stageOut.finishing), or
// returns when it is done. With files, it then waits for that stage's
// files to be final too, and reports whether they were before the stage
// was done. It gives the job slot up meanwhile, as awaiting a stage does:
// this stage only waits and makes a container.
func (s *stageRun) prepareMiss(ctx context.Context, out *stageOut, files bool) (ready bool, err error) {
	if !s.b.caching() || out == nil {
		return false, nil
	}
	held := s.held
	s.release()
	select {
	case <-out.finishing:
		if err := s.ensure(ctx); err != nil {
			return false, err
		}
		if files {
			ready, err = awaitFiles(ctx, out)
		}
	case <-out.done:
	case <-ctx.Done():
		return false, context.Cause(ctx)
	}
	if err == nil && held {
		err = s.acquire(ctx)
	}
	return ready && err == nil, err
}

// awaitFiles waits until the files of stage out are final or the stage is
// done, and reports whether they were final first.
func awaitFiles(ctx context.Context, out *stageOut) (bool, error) {
	select {
	case <-out.done:
		return false, nil
	default:
	}
	select {
	case <-out.filesReady:
		return true, nil
	case <-out.done:
		return false, nil
	case <-ctx.Done():
		return false, context.Cause(ctx)
	}
}

func (s *stageRun) steps() int { return 1 + len(s.rs.Instructions) }

func (s *stageRun) run(ctx context.Context) error {
	defer s.unmountRoot()
	s.base = s.baseName()
	s.lastWork = lastWork(s.rs.Instructions)
	s.commitAt = commitPoints(s.rs.Instructions)
	s.emit(StageStarted{Stage: s.rs.Index, Name: s.name(), Base: s.base, Steps: s.steps()})
	if err := s.from(ctx); err != nil {
		return err
	}
	for i, ins := range s.rs.Instructions {
		if err := s.step(ctx, i, ins); err != nil {
			return err
		}
		s.b.doneReading(s.rs.Index, ins)
	}
	if err := s.settleAhead(ctx); err != nil {
		return err
	}
	if s.final {
		s.warnHealthcheck()
	}
	id, owned, err := s.end(ctx)
	if err != nil {
		return s.failAt(s.steps(), "COMMIT", source.Range{}, err, nil)
	}
	if owned && !s.final {
		s.b.addImage(id)
	}
	s.out.owned = owned
	if s.created && !s.published {
		s.out.ctr, s.out.mnt = s.ctr, s.mnt
	}
	if !s.published {
		s.out.workdir = s.workdir
	}
	s.out.image = id
	if err := s.awaitDeps(ctx); err != nil {
		return err
	}
	s.emit(StageDone{Stage: s.rs.Index, Image: id})
	return nil
}

// end commits the stage and returns its image; owned reports an image
// this build made outside the layer cache. Without a cache the target's
// commit takes the first tag.
func (s *stageRun) end(ctx context.Context) (id string, owned bool, err error) {
	if s.b.caching() {
		return s.endCached(ctx)
	}
	if err := s.flush(ctx); err != nil {
		return "", false, err
	}
	var names []string
	if s.final && s.b.opts.Hold == nil {
		names = s.b.opts.Tags[:min(1, len(s.b.opts.Tags))]
		s.out.tagged = len(names) > 0
	}
	id, err = s.commit(ctx, names)
	return id, true, err
}

// baseName is the stage's base as the user knows it.
func (s *stageRun) baseName() string {
	switch {
	case s.rs.Scratch:
		return "scratch"
	case s.rs.BaseStage >= 0:
		return s.b.res.All[s.rs.BaseStage].DisplayName()
	}
	return s.rs.Base
}

// from is step 1: create the working container from the stage's base and
// read the configuration it starts with.
func (s *stageRun) from(ctx context.Context) error {
	start := time.Now()
	s.emit(StepStarted{Stage: s.rs.Index, Step: 1, Instruction: "FROM " + s.base,
		File: s.b.opts.Plan.File, Line: s.rs.BaseRange.Start.Line, Name: s.name(), Steps: s.steps()})
	s.ctr = s.b.containerName(strconv.Itoa(s.rs.Index))
	s.shell = []string{"/bin/sh", "-c"}
	info, local, err := s.localBase(ctx)
	if err != nil {
		return s.failAt(1, "FROM "+s.base, s.rs.BaseRange, err, nil)
	}
	if !local {
		if info, err = s.createFromBase(ctx); err != nil {
			return s.failAt(1, "FROM "+s.base, s.rs.BaseRange, err, nil)
		}
	}
	var env []string
	baseID := "scratch"
	if info != nil {
		cfg := info.Docker
		env, s.workdir, s.user = cfg.Env, cfg.WorkingDir, cfg.User
		s.inheritedHealthcheck = cfg.Healthcheck != nil && len(cfg.Healthcheck.Test) > 0 && cfg.Healthcheck.Test[0] != "NONE"
		if len(cfg.Shell) > 0 {
			s.shell = cfg.Shell
		}
		s.image, baseID = info.ID, info.ID
	}
	if s.b.caching() {
		s.key, s.reading = s.rootKey(baseID), true
	}
	if s.workdir == "" {
		s.workdir = "/"
	}
	s.scope = s.b.res.NewScope(s.rs, env)
	s.emit(StepDone{Stage: s.rs.Index, Step: 1, DurationMS: ms(time.Since(start))})
	return nil
}

// step runs instruction i of the stage, which is step number i+2 (FROM
// is step 1).
func (s *stageRun) step(ctx context.Context, i int, ins plan.Instruction) error {
	n := i + 2
	x, err := s.scope.Expand(ins)
	if err != nil {
		return s.fail(n, ins, fmt.Errorf("expanding variables: %w", err), nil)
	}
	if !changesFiles(x) {
		if err := s.settleAhead(ctx); err != nil {
			return err
		}
		s.advance(&s.stepState, x)
		m := s.metadata(x)
		m.step, m.ins, m.started = n, ins, time.Now()
		s.started(n, x)
		s.pending = append(s.pending, m)
		return nil
	}
	ahead, err := s.awaitSources(ctx, n, ins, x)
	if err != nil {
		return err
	}
	if ahead || len(s.ahead) > 0 {
		return s.stepAhead(ctx, i, n, ins, x)
	}
	start := time.Now()
	var key StepKey
	if s.b.caching() {
		s.started(n, x)
		var hit bool
		if key, hit, err = s.cachedStep(ctx, i, n, x, start); err != nil {
			return s.fail(n, ins, err, nil)
		}
		if hit {
			return nil
		}
		if i == s.lastWork {
			close(s.out.finishing)
		}
		if err := s.ensure(ctx); err != nil {
			return s.fail(n, ins, err, nil)
		}
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	if !s.b.caching() {
		s.started(n, x)
	}
	var output []string
	switch x := x.(type) {
	case *plan.Run:
		output, err = s.runStep(ctx, n, x)
	case *plan.Copy:
		if s.runFollows(i) {
			s.mountAhead(ctx)
		}
		err = s.copyStep(ctx, n, x)
	default:
		err = fmt.Errorf("%s is not supported by this builder", ins.Keyword())
	}
	if err == nil {
		err = s.store(ctx, i, key)
	}
	if err != nil {
		return s.fail(n, ins, err, output)
	}
	s.emit(StepDone{Stage: s.rs.Index, Step: n, DurationMS: ms(time.Since(start))})
	return nil
}

func (s *stageRun) started(n int, x plan.Instruction) {
	s.emit(StepStarted{Stage: s.rs.Index, Step: n, Instruction: Describe(x), File: s.b.opts.Plan.File,
		Line: x.Source().Start.Line, Name: s.name(), Steps: s.steps()})
}

// flush applies the pending metadata steps with one buildah config call
// and creates the WORKDIRs among them.
func (s *stageRun) flush(ctx context.Context) error {
	if len(s.pending) == 0 {
		return nil
	}
	pending := s.pending
	s.pending = nil
	last := pending[len(pending)-1]
	var flags []string
	for _, p := range pending {
		flags = append(flags, p.flags...)
	}
	if len(flags) > 0 {
		s.awaitMount()
		if _, err := s.b.do(ctx, append(append([]string{"config"}, flags...), s.ctr)...); err != nil {
			return s.fail(last.step, last.ins, err, nil)
		}
	}
	for _, p := range pending {
		if p.mkdir == "" {
			continue
		}
		if err := s.mkdir(ctx, p.mkdir, p.owner); err != nil {
			return s.fail(p.step, p.ins, err, nil)
		}
	}
	for _, p := range pending {
		s.emit(StepDone{Stage: s.rs.Index, Step: p.step, DurationMS: ms(time.Since(p.started))})
	}
	return nil
}

// mkdir creates dir in the container with its missing parents, owned by
// owner (Docker's WORKDIR). For root it makes them in the mounted root
// filesystem; for another owner, whose name only the container's
// /etc/passwd knows, it copies an empty directory there with --chown.
func (s *stageRun) mkdir(ctx context.Context, dir, owner string) error {
	if (owner == "" || owner == "root" || owner == "0" || owner == "0:0") && !s.b.dry() {
		root, err := s.containerRoot(ctx)
		if err != nil {
			return err
		}
		return mkdirAll(root, dir)
	}
	empty, err := s.b.emptyDir()
	if err != nil {
		return err
	}
	args := []string{"copy", "--quiet"}
	if owner != "" {
		args = append(args, "--chown", owner)
	}
	_, err = s.b.do(ctx, append(args, s.ctr, empty, dir)...)
	return err
}

// mkdirAll makes dir and its missing parents in root with mode 0755, as
// root; symbolic links on the way resolve inside root.
func mkdirAll(root *os.Root, dir string) error {
	rel := strings.TrimPrefix(path.Clean("/"+dir), "/")
	if rel == "" {
		return nil
	}
	p := ""
	for _, part := range strings.Split(rel, "/") {
		p = path.Join(p, part)
		if _, err := root.Lstat(p); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		if err := root.Mkdir(p, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		if err := root.Chmod(p, 0o755); err != nil { // whatever the umask
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	return nil
}

// commit commits the working container and returns the image ID; names
// are the image names to give it (none for an intermediate stage).
func (s *stageRun) commit(ctx context.Context, names []string) (string, error) {
	return s.commitAs(ctx, s.final && s.b.opts.Squash, false, names)
}

// commitAs commits the working container; with rm the container is
// removed by the same buildah call (it is unmounted first).
func (s *stageRun) commitAs(ctx context.Context, squash, rm bool, names []string) (string, error) {
	s.awaitMount()
	args := []string{"commit", "--quiet", "--format", s.b.opts.Format}
	if squash {
		args = append(args, "--squash")
	}
	if rm {
		s.unmountRoot()
		args = append(args, "--rm")
		s.created = false
	}
	args = append(args, s.ctr)
	args = append(args, names...)
	out, err := s.b.do(ctx, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "sha256:"), nil
}

// unmountRoot closes the container's root filesystem opened by
// containerRoot, before the container goes away.
func (s *stageRun) unmountRoot() {
	if s.mounting != nil {
		if m := <-s.mounting; m.root != nil {
			m.root.Close()
		}
		s.mounting = nil
	}
	if s.root != nil {
		s.root.Close()
		s.root, s.mnt = nil, ""
	}
}

// awaitMount waits for a mount started ahead. buildah saves a working
// container's state on mount and on config alike, so a config or commit
// that overlapped a mount could lose its changes. A mount that failed is
// tried again by containerRoot, which reports the error.
func (s *stageRun) awaitMount() {
	if s.mounting == nil {
		return
	}
	m := <-s.mounting
	s.mounting = nil
	if m.err == nil {
		s.root, s.mnt = m.root, m.dir
	}
}

// containerRoot mounts the working container (once) and opens its root
// filesystem so that paths resolve inside it.
func (s *stageRun) containerRoot(ctx context.Context) (*os.Root, error) {
	s.awaitMount()
	if s.root != nil {
		return s.root, nil
	}
	m := s.mount(ctx, s.ctr)
	if m.err != nil {
		return nil, m.err
	}
	s.root, s.mnt = m.root, m.dir
	return s.root, nil
}

// mounted is the outcome of mounting a working container: its root
// filesystem, opened, and where it is mounted.
type mounted struct {
	root *os.Root
	dir  string
	err  error
}

// mountAhead starts mounting the working container as soon as it exists,
// or while buildah copies into it, for the steps that use its root
// filesystem: a COPY made in place (copyDirect) and the user look-up of
// a RUN (runUser).
func (s *stageRun) mountAhead(ctx context.Context) {
	if s.root != nil || s.mounting != nil || !s.created || s.b.dry() {
		return
	}
	ch, ctr := make(chan mounted, 1), s.ctr
	s.mounting = ch
	go func() { ch <- s.mount(ctx, ctr) }()
}

// runFollows reports whether the next instruction after i that changes
// files is a RUN in the same working container (no commit between).
func (s *stageRun) runFollows(i int) bool {
	if s.commitAt[i] {
		return false
	}
	for _, ins := range s.rs.Instructions[i+1:] {
		if changesFiles(ins) {
			_, ok := ins.(*plan.Run)
			return ok
		}
	}
	return false
}

// mount mounts the working container ctr and opens its root filesystem.
func (s *stageRun) mount(ctx context.Context, ctr string) mounted {
	dir, err := s.b.mount(ctx, ctr)
	if err != nil {
		return mounted{err: err}
	}
	if s.b.dry() {
		return mounted{err: errDryRun}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return mounted{err: fmt.Errorf("opening the container's root filesystem: %w", err)}
	}
	return mounted{root: r, dir: dir}
}

// output returns an output callback for step n that emits each line and
// keeps the last lines for an error report. buildah's stdout and stderr
// are read by two goroutines, so the callback serializes them.
func (s *stageRun) output(n int, keep *[]string) func(buildah.Stream, string) {
	var mu sync.Mutex
	return func(stream buildah.Stream, line string) {
		mu.Lock()
		defer mu.Unlock()
		*keep = append(*keep, line)
		if len(*keep) > maxKeptLines {
			*keep = (*keep)[len(*keep)-maxKeptLines:]
		}
		s.emit(Output{Stage: s.rs.Index, Step: n, Stream: string(stream), Line: line, Name: s.name()})
	}
}

// maxKeptLines bounds the output a failure report repeats.
const maxKeptLines = 200

// localBase finds the base of a cached build's stage in the store, so
// that no container is made while the steps hit the cache. info is nil for
// scratch; local is false when the base is not in the store (or the build
// has no cache) and a container must be made from it now.
func (s *stageRun) localBase(ctx context.Context) (info *buildah.ImageInfo, local bool, err error) {
	if !s.b.caching() {
		return nil, false, nil
	}
	switch {
	case s.rs.Scratch:
		return nil, true, nil
	case s.rs.BaseStage >= 0:
		info, err := s.b.cli.InspectImage(ctx, s.b.stages[s.rs.BaseStage].image)
		return info, err == nil, err
	}
	info, err = s.b.localImage(ctx, s.rs.Base, s.rs.Platform)
	return info, info != nil, err
}

// createFromBase makes the working container from the stage's base,
// pulling the base when needed, and returns its configuration (nil in a
// dry run).
func (s *stageRun) createFromBase(ctx context.Context) (*buildah.ImageInfo, error) {
	var err error
	switch {
	case s.rs.Scratch:
		err = s.b.from(ctx, s.ctr, "scratch", s.rs.Platform, true)
	case s.rs.BaseStage >= 0:
		err = s.b.from(ctx, s.ctr, s.b.stages[s.rs.BaseStage].image, s.rs.Platform, true)
	default:
		err = s.b.fromImage(ctx, s.ctr, s.rs.Base, s.rs.Platform)
	}
	if err != nil {
		return nil, err
	}
	s.created = true
	s.mountAhead(ctx)
	info, err := s.b.inspectContainer(ctx, s.ctr)
	if errors.Is(err, errDryRun) {
		return nil, nil
	}
	return info, err
}
