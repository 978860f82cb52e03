// Package progress renders the events of a build (package runner) for a
// terminal or a log, the way BuildKit does: "plain" appends one line per
// step and per output line, "tty" redraws a live view of the steps, and
// "json" writes one JSON object per event for editors and CI. Failure
// writes the report of a failed build: the failing step's output and the
// build file around the failing instruction. In plain and tty output every
// line a step prints is prefixed with its stage's name, so that the output
// of stages built in parallel stays apart.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zlayer/zlayer/runner"
)

// Printer renders events; its Event method is the runner's Events callback.
type Printer interface {
	Event(e runner.Event)
	// Close finishes the output (the tty view draws its final state).
	Close()
}

// Modes accepted by New; "auto" is resolved by Mode first.
const (
	TTY   = "tty"
	Plain = "plain"
	JSON  = "json"
)

// Mode resolves "auto" (or "") to tty when w is a terminal, else plain;
// other modes are returned unchanged.
func Mode(mode string, w io.Writer) string {
	if mode != "" && mode != "auto" {
		return mode
	}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return TTY
		}
	}
	return Plain
}

// New returns a printer for mode (tty, plain or json) writing to w.
func New(w io.Writer, mode string) (Printer, error) {
	switch mode {
	case Plain:
		return newPlain(w), nil
	case JSON:
		return &jsonPrinter{w: w}, nil
	case TTY:
		return newTTY(w), nil
	}
	return nil, fmt.Errorf("unknown progress mode %q: use auto, tty, plain or json", mode)
}

// jsonPrinter writes one JSON object per event.
type jsonPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *jsonPrinter) Event(e runner.Event) {
	b, err := runner.MarshalEvent(e)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.w.Write(append(b, '\n'))
}

func (p *jsonPrinter) Close() {}

// stepKey identifies a step of a build.
type stepKey struct{ stage, step int }

// plainPrinter appends BuildKit's plain progress lines.
type plainPrinter struct {
	mu     sync.Mutex
	w      io.Writer
	start  time.Time
	ids    map[stepKey]int
	begun  map[stepKey]time.Time
	next   int
	stages map[int]string
}

func newPlain(w io.Writer) *plainPrinter {
	return &plainPrinter{w: w, ids: map[stepKey]int{}, begun: map[stepKey]time.Time{}, next: 1, stages: map[int]string{}}
}

func (p *plainPrinter) id(k stepKey) int {
	if id, ok := p.ids[k]; ok {
		return id
	}
	p.ids[k] = p.next
	p.next++
	return p.ids[k]
}

func (p *plainPrinter) Event(e runner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := e.(type) {
	case runner.BuildStarted:
		p.start = time.Now()
	case runner.StageStarted:
		p.stages[e.Stage] = e.Name
	case runner.StepStarted:
		k := stepKey{e.Stage, e.Step}
		p.begun[k] = time.Now()
		fmt.Fprintf(p.w, "#%d [%s %d/%d] %s\n", p.id(k), e.Name, e.Step, e.Steps, e.Instruction)
	case runner.Output:
		if e.Stage < 0 {
			fmt.Fprintf(p.w, "#0 [%s] %s\n", e.Name, e.Line)
			return
		}
		k := stepKey{e.Stage, e.Step}
		fmt.Fprintf(p.w, "#%d %.3f [%s] %s\n", p.id(k), time.Since(p.begun[k]).Seconds(), e.Name, e.Line)
	case runner.StepDone:
		k := stepKey{e.Stage, e.Step}
		if e.Cached {
			fmt.Fprintf(p.w, "#%d CACHED\n", p.id(k))
			return
		}
		fmt.Fprintf(p.w, "#%d DONE %.1fs\n", p.id(k), float64(e.DurationMS)/1000)
	case runner.StageDone:
		fmt.Fprintf(p.w, "#%d [%s] committed %s\n", p.nextID(), p.stages[e.Stage], short(e.Image))
	case runner.Warning:
		fmt.Fprintf(p.w, "WARNING: %s\n", warningText(e))
	case runner.BuildDone:
		id := p.nextID()
		fmt.Fprintf(p.w, "#%d writing image sha256:%s\n", id, e.ImageID)
		for _, tag := range e.Tags {
			fmt.Fprintf(p.w, "#%d naming to %s\n", id, tag)
		}
		fmt.Fprintf(p.w, "#%d DONE %.1fs (%d layers, %s)\n", id, float64(e.DurationMS)/1000, e.Layers, Size(e.Size))
	case runner.BuildFailed:
		if e.Stage >= 0 {
			fmt.Fprintf(p.w, "#%d ERROR: %s\n", p.id(stepKey{e.Stage, e.Step}), e.Error)
		}
	}
}

func (p *plainPrinter) nextID() int {
	p.next++
	return p.next - 1
}

func (p *plainPrinter) Close() {}

func warningText(w runner.Warning) string {
	msg := w.Message
	if w.Code != "" {
		msg += " [" + w.Code + "]"
	}
	switch {
	case w.File != "" && w.Line > 0:
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, msg)
	case w.File != "":
		return w.File + ": " + msg
	}
	return msg
}

// short shortens an image ID for display.
func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Size formats a byte count as buildah does ("2.01 MB").
func Size(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.3g %s", f, units[i])
}
