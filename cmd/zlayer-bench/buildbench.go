package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// benchTag names the image every measured build produces.
const benchTag = "localhost/zlayer-bench:latest"

// buildOptions configures the build measurements.
type buildOptions struct {
	Zlayer  string
	Runs    int
	Log     io.Writer // progress lines
	Verbose io.Writer // the tools' own output; nil drops it
}

// builder is one tool that builds the bench's recipes into its own store.
type builder struct {
	name  string
	store *store
	argv  func(dir string, noCache bool) []string
	// last is the image ID the previous build tagged.
	last string
}

func zlayerBuilder(bin string, s *store) *builder {
	return &builder{name: "zlayer", store: s, argv: func(dir string, noCache bool) []string {
		argv := append([]string{bin, "build"}, s.flags()...)
		argv = append(argv, "--progress", "plain", "-f", filepath.Join(dir, "ZImagefile"), "-t", benchTag)
		if noCache {
			argv = append(argv, "--no-cache")
		}
		return append(argv, dir)
	}}
}

func buildahBuilder(s *store) *builder {
	return &builder{name: "buildah", store: s, argv: func(dir string, noCache bool) []string {
		argv := s.cli.Argv("build", "--layers", "--pull=never", "--force-rm",
			"-f", filepath.Join(dir, "Dockerfile"), "-t", benchTag)
		if noCache {
			argv = append(argv, "--no-cache")
		}
		return append(argv, dir)
	}}
}

// build runs one build and returns its wall time and the image it tagged.
func (b *builder) build(ctx context.Context, dir string, noCache bool) (time.Duration, string, error) {
	d, err := timed(ctx, b.argv(dir, noCache), b.store.env())
	if err != nil {
		return 0, "", fmt.Errorf("%s build: %w", b.name, err)
	}
	id, err := b.store.imageID(ctx, benchTag)
	if err != nil {
		return 0, "", fmt.Errorf("%s build: reading the tagged image: %w", b.name, err)
	}
	return d, id, nil
}

// buildSamples holds the wall times of one kind of build, per tool.
type buildSamples map[string][]time.Duration

// buildBench runs the build measurements and returns their table.
func buildBench(ctx context.Context, tmp string, opts buildOptions) (*table, error) {
	if err := checkBuildTools(); err != nil {
		return nil, err
	}
	dir := filepath.Join(tmp, "build")
	two, par, par2 := filepath.Join(dir, "two-stage"), filepath.Join(dir, "parallel"), filepath.Join(dir, "parallel-2s")
	if err := writeContext(two, twoStageRecipe(), twoStageFiles()); err != nil {
		return nil, err
	}
	if err := writeContext(par, parallelRecipe(1), parallelFiles()); err != nil {
		return nil, err
	}
	if err := writeContext(par2, parallelRecipe(2), parallelFiles()); err != nil {
		return nil, err
	}
	fmt.Fprintln(opts.Log, "· making a private store with a local busybox base for each tool")
	zs, err := newStore(ctx, filepath.Join(dir, "zlayer-store"))
	if zs != nil {
		defer zs.remove()
	}
	if err != nil {
		return nil, err
	}
	bs, err := newStore(ctx, filepath.Join(dir, "buildah-store"))
	if bs != nil {
		defer bs.remove()
	}
	if err != nil {
		return nil, err
	}
	z, b := zlayerBuilder(opts.Zlayer, zs), buildahBuilder(bs)
	m := &buildMeasure{tools: []*builder{z, b}, runs: opts.Runs, log: opts.Log, buildah: buildahVersion(ctx)}
	if err := m.all(ctx, two, par, par2); err != nil {
		return nil, err
	}
	watch, watchNote, err := measureWatch(ctx, opts, zs, two)
	if err != nil {
		return nil, err
	}
	return m.table(watch, watchNote), nil
}

// writeContext writes a build context holding the recipe as a ZImagefile
// and as a Dockerfile.
func writeContext(dir string, r *recipe, files map[string]string) error {
	all := map[string]string{"ZImagefile": r.ZImagefile(), "Dockerfile": r.Dockerfile()}
	for k, v := range files {
		all[k] = v
	}
	return writeTree(dir, all)
}

// buildMeasure runs the same builds with every tool, interleaved so that
// the machine's drift hits both alike.
type buildMeasure struct {
	tools                        []*builder
	runs                         int
	log                          io.Writer
	buildah                      string // its version, for the title
	cold, warm, change, parallel buildSamples
	parallel2s                   buildSamples
	warnings                     []string
}

func (m *buildMeasure) all(ctx context.Context, two, par, par2 string) error {
	m.cold, m.warm, m.change, m.parallel, m.parallel2s = buildSamples{}, buildSamples{}, buildSamples{}, buildSamples{}, buildSamples{}
	steps := []struct {
		what    string
		dir     string
		noCache bool
		into    buildSamples
		before  func(run int) error
		// check compares the image a build tagged with the one the
		// tool's previous build tagged (b.last).
		check func(b *builder, id string, run int) string
	}{
		{"cold builds (--no-cache)", two, true, m.cold, nil, nil},
		{"warm rebuilds (nothing changed)", two, false, m.warm, nil, func(b *builder, id string, run int) string {
			// The first warm build may reuse either cold build's steps.
			if run > 0 && id != b.last {
				return b.name + ": a rebuild with nothing changed tagged a different image"
			}
			return ""
		}},
		{"rebuilds after a one-file change", two, false, m.change, func(run int) error {
			return os.WriteFile(filepath.Join(two, changedFile), []byte(fmt.Sprintf("changed %d\n", run)), 0o644)
		}, func(b *builder, id string, _ int) string {
			if id == b.last {
				return b.name + ": a rebuild after a source change tagged the previous image"
			}
			return ""
		}},
		{"cold builds of two independent stages", par, true, m.parallel, nil, nil},
		{"cold builds of two independent stages that sleep 2 s", par2, true, m.parallel2s, nil, nil},
	}
	for _, s := range steps {
		fmt.Fprintf(m.log, "· %d × %s\n", m.runs, s.what)
		for run := range m.runs {
			if s.before != nil {
				if err := s.before(run); err != nil {
					return err
				}
			}
			for _, t := range m.tools {
				d, id, err := t.build(ctx, s.dir, s.noCache)
				if err != nil {
					return err
				}
				if s.check != nil {
					m.warn(s.check(t, id, run))
				}
				t.last = id
				s.into[t.name] = append(s.into[t.name], d)
			}
		}
	}
	return nil
}

func (m *buildMeasure) warn(w string) {
	if w != "" && !slices.Contains(m.warnings, w) {
		m.warnings = append(m.warnings, w)
	}
}

// table turns the medians into the report's rows.
func (m *buildMeasure) table(watch []time.Duration, watchNote string) *table {
	med := func(s buildSamples, tool string) quantity { return quantity{Time: median(s[tool])} }
	t := &table{
		Title: fmt.Sprintf("Builds: zlayer build vs buildah %s build --layers (median of %d, separate overlay stores)", m.buildah, m.runs),
		Ours:  "zlayer", Peer: "buildah",
		Rows: []row{
			{Name: "cold build, two stages (--no-cache)", Ours: med(m.cold, "zlayer"), Peer: med(m.cold, "buildah"), Target: 1},
			{Name: "warm rebuild, nothing changed", Ours: med(m.warm, "zlayer"), Peer: med(m.warm, "buildah"), Target: 2},
			{Name: "rebuild after a one-file change", Ours: med(m.change, "zlayer"), Peer: med(m.change, "buildah"), Target: 1},
			{Name: "two independent stages, 1 s sleeps, cold", Ours: med(m.parallel, "zlayer"), Peer: med(m.parallel, "buildah"), Target: 1 / 0.6},
			{Name: "two independent stages, 2 s sleeps (#4's test)", Ours: med(m.parallel2s, "zlayer"), Peer: med(m.parallel2s, "buildah"), Target: 1 / 0.6},
		},
	}
	w := row{Name: "watch: save → tagged image (vs buildah one-file change)", Target: 2, Note: watchNote}
	if watchNote == "" {
		w.Name = "watch: save → tagged, incl. debounce (vs buildah change)"
	}
	if watchNote == "" {
		w.Ours, w.Peer = quantity{Time: median(watch)}, med(m.change, "buildah")
	}
	t.Rows = append(t.Rows, w)
	t.Warnings = m.warnings
	return t
}

// buildahVersion returns buildah's version number, "" if unknown.
func buildahVersion(ctx context.Context) string {
	out, err := command(ctx, []string{"buildah", "--version"}, nil).Output()
	if f := strings.Fields(string(out)); err == nil && len(f) >= 3 {
		return f[2]
	}
	return ""
}

// watchEvent is one line of `zlayer watch --progress json`.
type watchEvent struct {
	Type    string `json:"type"`
	ImageID string `json:"image_id"`
	Error   string `json:"error"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	at      time.Time
}

// measureWatch starts `zlayer watch` on the two-stage context, changes one
// file at a time and times each save until the rebuilt image is tagged.
// It returns a note instead when zlayer has no watch command.
func measureWatch(ctx context.Context, opts buildOptions, s *store, dir string) ([]time.Duration, string, error) {
	if !hasCommand(ctx, opts.Zlayer, "watch") {
		return nil, "zlayer has no watch command yet", nil
	}
	fmt.Fprintf(opts.Log, "· %d × zlayer watch: save → tagged image\n", opts.Runs)
	argv := append([]string{opts.Zlayer, "watch"}, s.flags()...)
	argv = append(argv, "--progress", "json", "-f", filepath.Join(dir, "ZImagefile"), "-t", benchTag, dir)
	c := command(ctx, argv, s.env())
	log := &tail{}
	c.Stderr = log
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := c.Start(); err != nil {
		return nil, "", fmt.Errorf("starting zlayer watch: %w", err)
	}
	defer stopWatch(c)
	events := make(chan watchEvent, 1024)
	go readEvents(stdout, events, opts.Verbose)
	fail := func(err error) ([]time.Duration, string, error) {
		return nil, "", fmt.Errorf("zlayer watch: %w%s", err, log)
	}
	if _, err := nextBuild(ctx, events); err != nil {
		return fail(fmt.Errorf("first build: %w", err))
	}
	var out []time.Duration
	for run := range opts.Runs {
		drainQuiet(events, 500*time.Millisecond)
		start := time.Now()
		if err := os.WriteFile(filepath.Join(dir, changedFile), []byte(fmt.Sprintf("watched %d\n", run)), 0o644); err != nil {
			return nil, "", err
		}
		ev, err := nextBuild(ctx, events)
		if err != nil {
			return fail(fmt.Errorf("rebuild %d: %w", run+1, err))
		}
		out = append(out, ev.at.Sub(start))
		id, err := s.imageID(ctx, benchTag)
		if err != nil {
			return nil, "", err
		}
		if !sameImage(id, ev.ImageID) {
			return fail(fmt.Errorf("rebuild %d reported image %s but %s names %s", run+1, ev.ImageID, benchTag, id))
		}
	}
	return out, "", nil
}

// sameImage compares image IDs that may be short or carry "sha256:".
func sameImage(a, b string) bool {
	a, b = strings.TrimPrefix(a, "sha256:"), strings.TrimPrefix(b, "sha256:")
	if a == "" || b == "" {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}

// hasCommand reports whether `bin name --help` succeeds.
func hasCommand(ctx context.Context, bin, name string) bool {
	c := command(ctx, []string{bin, name, "--help"}, nil)
	return c.Run() == nil
}

func readEvents(r io.Reader, events chan<- watchEvent, verbose io.Writer) {
	defer close(events)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		at := time.Now()
		if verbose != nil {
			fmt.Fprintln(verbose, sc.Text())
		}
		var ev watchEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		ev.at = at
		events <- ev
	}
}

// nextBuild waits for the next build_done; a build_failed is an error.
func nextBuild(ctx context.Context, events <-chan watchEvent) (watchEvent, error) {
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return ev, fmt.Errorf("the watcher exited")
			}
			switch ev.Type {
			case "build_done":
				return ev, nil
			case "build_failed":
				return ev, fmt.Errorf("build failed at %s:%d: %s", ev.File, ev.Line, strings.TrimSpace(ev.Error))
			}
		case <-timeout:
			return watchEvent{}, fmt.Errorf("no build_done within 3 minutes")
		case <-ctx.Done():
			return watchEvent{}, ctx.Err()
		}
	}
}

// drainQuiet drops events until none has arrived for quiet.
func drainQuiet(events <-chan watchEvent, quiet time.Duration) {
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-time.After(quiet):
			return
		}
	}
}

// stopWatch stops the watcher as Ctrl-C in a terminal would (SIGINT to
// its process group), then by force if it has not exited after a while.
func stopWatch(c *exec.Cmd) {
	signalGroup(c, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		c.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		signalGroup(c, syscall.SIGKILL)
		<-done
	}
}
