package lsp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/runner/buildah"
	"github.com/zlayer/zlayer/runner/cache"
)

// codeBuildFailed marks the diagnostic of a failed build step.
const codeBuildFailed = "ZL100"

// builds tracks the builds started from the editor: at most one per file
// and target, any number in parallel otherwise.
type builds struct {
	s  *Server
	wg sync.WaitGroup

	mu      sync.Mutex
	seq     int
	running map[string]*buildJob            // by build ID
	failed  map[string][]diag.Diagnostic    // build file path → failure diagnostics
	results map[string]map[string]stageMark // build file path → stage name → last result
}

// stageMark is the last result of a stage, shown by a code lens.
type stageMark struct {
	ok, cached bool
	took       time.Duration
}

func (m stageMark) String() string {
	switch {
	case !m.ok:
		return "✗ failed"
	case m.cached:
		return "CACHED"
	}
	return fmt.Sprintf("✓ built %.1fs", m.took.Seconds())
}

// buildJob is one running build.
type buildJob struct {
	id, path, target string
	cancel           context.CancelFunc
	done             chan struct{}
	token            string // work-done progress token, "" without progress
}

func newBuilds(s *Server) *builds {
	return &builds{s: s, running: map[string]*buildJob{}, failed: map[string][]diag.Diagnostic{}, results: map[string]map[string]stageMark{}}
}

// wait blocks until every build goroutine has finished.
func (b *builds) wait() { b.wg.Wait() }

// cancelAll cancels every running build.
func (b *builds) cancelAll() { b.cancel("") }

// cancel cancels the build with the given ID, or all builds for "". It
// returns the IDs it cancelled.
func (b *builds) cancel(id string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []string{}
	for _, j := range b.running {
		if id == "" || j.id == id {
			j.cancel()
			out = append(out, j.id)
		}
	}
	return out
}

// cancelToken cancels the build reporting progress under token.
func (b *builds) cancelToken(token string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, j := range b.running {
		if j.token == token {
			j.cancel()
		}
	}
}

// failures returns the diagnostics of the last failed build of a file.
func (b *builds) failures(path string) []diag.Diagnostic {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failed[path]
}

// marks returns the last results of the stages of a file.
func (b *builds) marks(path string) map[string]stageMark {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.results[path])
}

// buildRequest is a build asked for through executeCommand.
type buildRequest struct {
	path string
	// target names the stage to build as the user did (its name, or its
	// index for an unnamed stage); "" builds the image.
	target   string
	plan     *plan.Plan
	tags     []string
	args     map[string]string
	settings Settings
}

// start runs a build in the background and returns its ID. A running
// build of the same file and target is cancelled first.
func (b *builds) start(req buildRequest) string {
	b.mu.Lock()
	b.seq++
	id := fmt.Sprintf("build-%d", b.seq)
	var prev *buildJob
	for _, j := range b.running {
		if j.path == req.path && j.target == req.target {
			prev = j
			j.cancel()
		}
	}
	ctx, cancel := context.WithCancel(b.s.ctx)
	job := &buildJob{id: id, path: req.path, target: req.target, cancel: cancel, done: make(chan struct{})}
	if b.s.clientCaps().workDoneProgress {
		job.token = "zlayer/" + id
	}
	b.running[id] = job
	b.wg.Add(1)
	b.mu.Unlock()

	go func() {
		defer b.wg.Done()
		defer close(job.done)
		defer cancel()
		if prev != nil {
			<-prev.done
		}
		b.run(ctx, job, req)
		b.mu.Lock()
		delete(b.running, id)
		b.mu.Unlock()
	}()
	return id
}

// run executes one build and reports it to the client.
func (b *builds) run(ctx context.Context, job *buildJob, req buildRequest) {
	s := b.s
	what := "image"
	if req.target != "" {
		what = "stage " + req.target
	}
	p := newProgress(s, job.token, "Building "+what)
	rep := &buildReporter{s: s, job: job, p: p, started: map[int]time.Time{}, cached: map[int]bool{}, names: map[int]string{}, marks: map[string]stageMark{}}
	set := req.settings
	cli := &buildah.CLI{Path: set.Buildah.Path, Root: set.Buildah.Root, RunRoot: set.Buildah.Runroot,
		StorageDriver: set.Buildah.StorageDriver}
	res, err := runner.Build(ctx, runner.Options{
		Plan:       req.plan,
		ContextDir: contextDir(req.path, set),
		BuildArgs:  req.args,
		Target:     req.target,
		Tags:       req.tags,
		Buildah:    cli,
		Cache:      cache.New(cli, cache.Options{}),
		Events:     rep.event,
	})
	b.finish(ctx, job, req, rep, res, err)
}

// finish records the outcome: stage marks, the failure diagnostic (or its
// removal), the progress end and a message.
func (b *builds) finish(ctx context.Context, job *buildJob, req buildRequest, rep *buildReporter, res *runner.Result, err error) {
	s := b.s
	what := "image"
	if req.target != "" {
		what = "stage " + req.target
	}
	b.mu.Lock()
	if b.results[req.path] == nil {
		b.results[req.path] = map[string]stageMark{}
	}
	maps.Copy(b.results[req.path], rep.marks)
	switch {
	case err == nil:
		delete(b.failed, req.path)
	case ctx.Err() == nil:
		b.failed[req.path] = failureDiagnostics(req.path, err)
	}
	b.mu.Unlock()
	if d := s.docByPath(req.path); d != nil {
		d.republish()
	}
	go func() { _ = s.client.CodeLensRefresh(s.ctx) }()

	switch {
	case err == nil:
		msg := fmt.Sprintf("Built %s in %.1fs: image %s", what, res.Duration.Seconds(), shortID(res.ImageID))
		if len(res.Tags) > 0 {
			msg += " (" + strings.Join(res.Tags, ", ") + ")"
		}
		rep.p.end(msg)
		s.showMessage(protocol.MessageTypeInfo, "%s", msg)
	case ctx.Err() != nil:
		rep.p.end("cancelled")
		s.showMessage(protocol.MessageTypeWarning, "Build of %s cancelled", what)
	default:
		rep.p.end("failed")
		s.showMessage(protocol.MessageTypeError, "Build of %s failed: %s", what, firstLine(err.Error()))
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// failureDiagnostics turns a build error into an error diagnostic on the
// failing step, with the tail of its output.
func failureDiagnostics(path string, err error) []diag.Diagnostic {
	var se *runner.StepError
	d := diag.Diagnostic{File: path, Severity: diag.Error, Code: codeBuildFailed, Source: "zlayer"}
	if errors.As(err, &se) && !se.Range.IsZero() {
		d.Range = se.Range
		d.Message = fmt.Sprintf("build failed at [%s %d/%d] %s: %v", se.StageName, se.Step, se.Steps, se.Instruction, se.Err)
		if len(se.Output) > 0 {
			tail := se.Output[max(0, len(se.Output)-10):]
			d.Message += "\n" + strings.Join(tail, "\n")
		}
		return []diag.Diagnostic{d}
	}
	d.Message = "build failed: " + err.Error()
	return []diag.Diagnostic{d}
}

// buildReporter turns runner events into notifications.
type buildReporter struct {
	s   *Server
	job *buildJob
	p   *progress

	mu      sync.Mutex
	started map[int]time.Time
	cached  map[int]bool
	names   map[int]string
	marks   map[string]stageMark
	steps   [2]int // done, total
}

// buildOutput is the zlayer/buildOutput notification (design §3).
type buildOutput struct {
	BuildID string `json:"buildId"`
	Stage   string `json:"stage"`
	Line    string `json:"line"`
	Stream  string `json:"stream"`
}

func (r *buildReporter) event(e runner.Event) {

	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := e.(type) {
	case runner.BuildStarted:
		r.steps[1] = e.Steps
	case runner.StageStarted:
		r.started[e.Stage], r.cached[e.Stage], r.names[e.Stage] = time.Now(), true, e.Name
	case runner.StepStarted:
		line := fmt.Sprintf("[%s %d/%d] %s", e.Name, e.Step, e.Steps, e.Instruction)
		r.output(e.Name, line, "status")
		r.p.report(line, r.steps)
	case runner.Output:
		r.output(e.Name, e.Line, e.Stream)
	case runner.StepDone:
		r.steps[0]++
		if !e.Cached {
			r.cached[e.Stage] = false
		}
	case runner.StageDone:
		name := r.names[e.Stage]
		r.marks[name] = stageMark{ok: true, cached: r.cached[e.Stage], took: time.Since(r.started[e.Stage])}
	case runner.BuildFailed:
		if e.Stage >= 0 {
			r.marks[r.names[e.Stage]] = stageMark{}
		}
		r.output("", "ERROR: "+e.Error, "stderr")
	case runner.Warning:
		r.output("", "WARNING: "+e.Message, "stderr")
	}
}

func (r *buildReporter) output(stage, line, stream string) {
	r.s.notify("zlayer/buildOutput", buildOutput{BuildID: r.job.id, Stage: stage, Line: line, Stream: stream})
}

// progress reports a build through $/progress when the client supports
// work-done progress; without a token every method does nothing.
type progress struct {
	s     *Server
	token string
}

func newProgress(s *Server, token, title string) *progress {
	p := &progress{s: s}
	if token == "" {
		return p
	}
	if err := s.client.WorkDoneProgressCreate(s.ctx, &protocol.WorkDoneProgressCreateParams{Token: protocol.String(token)}); err != nil {
		s.log.Debug("workDoneProgress/create failed", "error", err)
		return p
	}
	p.token = token
	p.send(protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Cancellable: ptr(true)})
	return p
}

func (p *progress) report(msg string, steps [2]int) {
	if p.token == "" {
		return
	}
	rep := protocol.WorkDoneProgressReport{Kind: "report", Message: &msg}
	if steps[1] > 0 {
		pct := uint32(min(100, steps[0]*100/steps[1]))
		rep.Percentage = &pct
	}
	p.send(rep)
}

func (p *progress) end(msg string) {
	if p.token == "" {
		return
	}
	p.send(protocol.WorkDoneProgressEnd{Kind: "end", Message: &msg})
}

func (p *progress) send(v any) {
	raw, err := protocol.Marshal(v)
	if err != nil {
		return
	}
	_ = p.s.client.Progress(p.s.ctx, &protocol.ProgressParams{Token: protocol.String(p.token), Value: protocol.LSPAny(raw)})
}

// WorkDoneProgressCancel implements protocol.Server: the user cancelled a
// build from the progress UI.
func (s *Server) WorkDoneProgressCancel(ctx context.Context, p *protocol.WorkDoneProgressCancelParams) error {
	if tok, ok := p.Token.(protocol.String); ok {
		s.builds.cancelToken(string(tok))
	}
	return nil
}

// docByPath finds the open document of a file.
func (s *Server) docByPath(path string) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if d.path == path {
			return d
		}
	}
	return nil
}
