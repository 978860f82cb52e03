package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/zlayer/zlayer/runner"
)

// ttyPrinter redraws a live view: a header with the elapsed time and the
// finished step count, one line per step, and a faint tail of the output
// of each running step, prefixed with its stage name.
type ttyPrinter struct {
	mu       sync.Mutex
	w        io.Writer
	start    time.Time
	total    int
	steps    []*ttyStep
	byKey    map[stepKey]*ttyStep
	warnings []string
	drawn    int // lines of the last frame
	failed   bool
	done     bool
	stop     chan struct{}
	stopped  sync.WaitGroup
}

type ttyStep struct {
	label  string
	stage  string
	begun  time.Time
	took   time.Duration
	state  string // "", "DONE", "CACHED", "ERROR", "CANCELED"
	tail   []string
	active bool
}

// tailLines is how many output lines of a running step stay visible.
const tailLines = 6

// frameInterval is how often the view is redrawn.
const frameInterval = 120 * time.Millisecond

func newTTY(w io.Writer) *ttyPrinter {
	p := &ttyPrinter{w: w, start: time.Now(), byKey: map[stepKey]*ttyStep{}, stop: make(chan struct{})}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(frameInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

func (p *ttyPrinter) Event(e runner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := e.(type) {
	case runner.BuildStarted:
		p.start, p.total = time.Now(), e.Steps
	case runner.StepStarted:
		st := &ttyStep{label: fmt.Sprintf("[%s %d/%d] %s", e.Name, e.Step, e.Steps, e.Instruction),
			stage: e.Name, begun: time.Now(), active: true}
		p.steps = append(p.steps, st)
		p.byKey[stepKey{e.Stage, e.Step}] = st
	case runner.Output:
		if st := p.byKey[stepKey{e.Stage, e.Step}]; st != nil {
			st.tail = append(st.tail, e.Line)
			if len(st.tail) > tailLines {
				st.tail = st.tail[len(st.tail)-tailLines:]
			}
		}
	case runner.StepDone:
		if st := p.byKey[stepKey{e.Stage, e.Step}]; st != nil {
			st.active, st.took, st.state = false, time.Duration(e.DurationMS)*time.Millisecond, "DONE"
			if e.Cached {
				st.state = "CACHED"
			}
		}
	case runner.Warning:
		p.warnings = append(p.warnings, warningText(e))
	case runner.BuildFailed:
		p.failed = true
		for k, st := range p.byKey {
			if !st.active {
				continue
			}
			st.active, st.took, st.state = false, time.Since(st.begun), "CANCELED"
			if k.stage == e.Stage && k.step == e.Step {
				st.state = "ERROR"
			}
		}
	case runner.BuildDone:
		p.done = true
	}
}

// Close stops redrawing and draws the final frame.
func (p *ttyPrinter) Close() {
	close(p.stop)
	p.stopped.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw()
	for _, w := range p.warnings {
		fmt.Fprintf(p.w, "WARNING: %s\n", w)
	}
}

// draw replaces the previous frame with the current one.
func (p *ttyPrinter) draw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	lines := p.frame()
	for _, l := range lines {
		b.WriteString("\x1b[2K" + l + "\n")
	}
	p.drawn = len(lines)
	io.WriteString(p.w, b.String())
}

func (p *ttyPrinter) frame() []string {
	finished := 0
	for _, st := range p.steps {
		if !st.active {
			finished++
		}
	}
	header := fmt.Sprintf("[+] Building %.1fs (%d/%d)", time.Since(p.start).Seconds(), finished, p.total)
	if p.done {
		header += " FINISHED"
	}
	lines := []string{header}
	for _, st := range p.steps {
		took := st.took
		prefix := ""
		if st.active {
			took = time.Since(st.begun)
		} else if st.state != "DONE" {
			prefix = st.state + " "
		}
		lines = append(lines, fmt.Sprintf(" => %s%s %5.1fs", prefix, st.label, took.Seconds()))
		if st.active {
			for _, l := range st.tail {
				lines = append(lines, fmt.Sprintf("\x1b[2m => => [%s] %s\x1b[0m", st.stage, l))
			}
		}
	}
	return lines
}
