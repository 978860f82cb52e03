package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/plan"
	"github.com/zlayer/zlayer/source"
)

// StepError is a build step that failed, located in its build file.
type StepError struct {
	// Stage is the stage index, StageName its display name.
	Stage     int
	StageName string
	// Step counts from 1 (the FROM) as build output does; Steps is the
	// stage's step count.
	Step, Steps int
	// Instruction is the step as build output shows it.
	Instruction string
	// File and Range locate the instruction.
	File  string
	Range source.Range
	// Output holds the last lines the step printed.
	Output []string
	Err    error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s:%d: [%s %d/%d] %s: %v", e.File, e.Range.Start.Line, e.StageName, e.Step, e.Steps, e.Instruction, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// ExitCode is the status of the failing RUN command, or 0 when the step
// failed otherwise.
func (e *StepError) ExitCode() int {
	var re *RunError
	if errors.As(e.Err, &re) {
		return re.Code
	}
	return 0
}

// DiagnosticError is a build that could not start because of a diagnostic
// about its build file, such as an unknown target or a Windows stage.
type DiagnosticError struct {
	Diagnostic diag.Diagnostic
}

func (e *DiagnosticError) Error() string {
	d := e.Diagnostic
	msg := d.Message
	if d.Code != "" {
		msg += " [" + d.Code + "]"
	}
	if d.File == "" {
		return msg
	}
	if d.NoRange || d.Range.IsZero() {
		return d.File + ": " + msg
	}
	return fmt.Sprintf("%s:%d: %s", d.File, d.Range.Start.Line, msg)
}

func diagError(d diag.Diagnostic) error { return &DiagnosticError{Diagnostic: d} }

// fail wraps err as the failure of step n.
func (s *stageRun) fail(n int, ins plan.Instruction, err error, output []string) error {
	text := ""
	var rng source.Range
	if ins != nil {
		text, rng = Describe(ins), ins.Source()
	}
	return s.failAt(n, text, rng, err, output)
}

func (s *stageRun) failAt(n int, text string, rng source.Range, err error, output []string) error {
	var se *StepError
	var ce *cacheError
	if errors.As(err, &se) || errors.As(err, &ce) {
		return err
	}
	return &StepError{Stage: s.rs.Index, StageName: s.name(), Step: n, Steps: s.steps(), Instruction: text,
		File: s.b.opts.Plan.File, Range: rng, Output: append([]string(nil), output...), Err: err}
}

// failedEvent describes err as a build_failed event.
func failedEvent(err error) BuildFailed {
	ev := BuildFailed{Error: err.Error(), Stage: -1}
	var se *StepError
	var de *DiagnosticError
	switch {
	case errors.As(err, &se):
		ev.Error = se.Err.Error()
		ev.Stage, ev.Step, ev.File, ev.Line = se.Stage, se.Step, se.File, se.Range.Start.Line
	case errors.As(err, &de):
		ev.File = de.Diagnostic.File
		if !de.Diagnostic.NoRange {
			ev.Line = de.Diagnostic.Range.Start.Line
		}
	}
	return ev
}

// Describe renders an instruction the way build output shows it, e.g.
// "RUN make" or "COPY --from=builder /out /app".
func Describe(ins plan.Instruction) string {
	var b strings.Builder
	b.WriteString(ins.Keyword())
	word := func(s string) { b.WriteByte(' '); b.WriteString(s) }
	switch x := ins.(type) {
	case *plan.Arg:
		word(x.Name)
		if x.HasDefault {
			b.WriteString("=" + x.Default)
		}
	case *plan.Env:
		pairs(word, x.Pairs)
	case *plan.Label:
		pairs(word, x.Pairs)
	case *plan.Workdir:
		word(x.Path)
	case *plan.User:
		word(x.User)
	case *plan.Expose:
		word(strings.Join(x.Ports, " "))
	case *plan.Volume:
		word(strings.Join(x.Paths, " "))
	case *plan.StopSignal:
		word(x.Signal)
	case *plan.Shell:
		word(jsonArray(x.Shell))
	case *plan.OnBuild:
		word(x.Instruction)
	case *plan.Command:
		word(commandText(x.Args, x.ShellForm))
	case *plan.Healthcheck:
		word(strings.Join(x.Test, " "))
	case *plan.Run:
		for _, m := range x.Mounts {
			word("--mount=type=" + m.Type + ",target=" + m.Target)
		}
		if x.Network != "" {
			word("--network=" + x.Network)
		}
		word(commandText(x.Args, x.ShellForm))
	case *plan.Copy:
		if x.From != "" {
			word("--from=" + x.From)
		}
		if x.Chown != "" {
			word("--chown=" + x.Chown)
		}
		if x.Chmod != "" {
			word("--chmod=" + x.Chmod)
		}
		word(strings.Join(x.Sources, " "))
		word(x.Dest)
	}
	return firstLine(b.String())
}

func pairs(word func(string), kvs []plan.KeyValue) {
	for _, kv := range kvs {
		word(kv.Key + "=" + kv.Value)
	}
}

func commandText(args []string, shell bool) string {
	if shell {
		return strings.Join(args, " ")
	}
	return jsonArray(args)
}

func jsonArray(args []string) string {
	js, _ := json.Marshal(args)
	return string(js)
}

// firstLine keeps a multi-line instruction on one output line.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
