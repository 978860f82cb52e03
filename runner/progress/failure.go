package progress

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zlayer/zlayer/runner"
	"github.com/zlayer/zlayer/source"
)

// Failure writes the report of a failed build in BuildKit's look: the
// failing step's buffered output between rules, then the build file
// around the failing instruction with ">>>" on its lines, then the error.
// src is the build file's text; nil reads the file the error names.
func Failure(w io.Writer, err error, src []byte) {
	var se *runner.StepError
	if !errors.As(err, &se) {
		fmt.Fprintf(w, "ERROR: %v\n", err)
		return
	}
	if len(se.Output) > 0 {
		fmt.Fprintln(w, "------")
		fmt.Fprintf(w, " > [%s %d/%d] %s:\n", se.StageName, se.Step, se.Steps, se.Instruction)
		for _, l := range se.Output {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w, "------")
	}
	if src == nil && se.File != "" {
		src, _ = os.ReadFile(se.File)
	}
	if src != nil && se.Range.Start.Line > 0 {
		Snippet(w, source.NewFile(se.File, src), se.Range)
	}
	fmt.Fprintf(w, "ERROR: failed to solve: %v\n", se.Err)
}

// Snippet writes "FILE:LINE" and the lines of f around r, numbered, with
// ">>>" marking the lines of r: four lines of context around a one-line
// range, two around a longer one.
func Snippet(w io.Writer, f *source.File, r source.Range) {
	first, last := r.Start.Line, r.End.Line
	if last < first || last == first+1 && r.End.Col == 0 {
		last = first
	}
	if last > first && r.End.Col == 0 {
		last--
	}
	ctx := 4
	if last > first {
		ctx = 2
	}
	from, to := max(1, first-ctx), min(f.LineCount(), last+ctx)
	for to > last && strings.TrimSpace(f.LineText(to)) == "" {
		to--
	}
	if last > first {
		fmt.Fprintf(w, "%s:%d-%d\n", f.Name, first, last)
	} else {
		fmt.Fprintf(w, "%s:%d\n", f.Name, first)
	}
	fmt.Fprintln(w, "--------------------")
	for n := from; n <= to; n++ {
		mark := "    "
		if n >= first && n <= last {
			mark = ">>> "
		}
		fmt.Fprintf(w, "%4d | %s%s\n", n, mark, f.LineText(n))
	}
	fmt.Fprintln(w, "--------------------")
}
