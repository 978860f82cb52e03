package dockerfile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/zlayer/zlayer/diag"
)

// buildkitVerdict is what BuildKit itself makes of a file: its AST (nil
// when the parser fails) and its stages (nil when the instruction parser
// fails).
type buildkitVerdict struct {
	ast      *parser.Node
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
	err      error
}

func buildkitParse(src []byte) buildkitVerdict {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return buildkitVerdict{err: err}
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	return buildkitVerdict{ast: res.AST, stages: stages, metaArgs: meta, err: err}
}

// checkAgainstBuildKit compares a parsed file with BuildKit's own view of
// it and returns the differences.
func checkAgainstBuildKit(f *File, bk buildkitVerdict) []string {
	var problems []string
	errs := 0
	for _, d := range f.Diagnostics {
		if d.Severity == diag.Error {
			errs++
		}
	}
	switch {
	case bk.err == nil && errs > 0:
		problems = append(problems, fmt.Sprintf("BuildKit accepts the file, we report %d errors: %v", errs, f.Diagnostics))
	case bk.err != nil && errs == 0:
		problems = append(problems, fmt.Sprintf("BuildKit rejects the file (%v), we report no error", bk.err))
	}
	if bk.ast == nil {
		return problems
	}
	attached := map[int]*Instruction{}
	for _, in := range f.Instructions {
		if in.Node != nil {
			attached[in.Node.StartLine] = in
		}
	}
	for _, n := range bk.ast.Children {
		in := attached[n.StartLine]
		if in == nil {
			problems = append(problems, fmt.Sprintf("line %d: BuildKit node %s has no instruction", n.StartLine, n.Value))
			continue
		}
		problems = append(problems, compareNode(in, n)...)
	}
	if len(attached) != len(bk.ast.Children) || len(f.Instructions) != len(bk.ast.Children) {
		problems = append(problems, fmt.Sprintf("%d instructions, BuildKit has %d nodes", len(f.Instructions), len(bk.ast.Children)))
	}
	return problems
}

// compareNode checks the flags and arguments we found against BuildKit's.
func compareNode(in *Instruction, n *parser.Node) []string {
	var problems []string
	var flags []string
	for _, f := range in.Flags {
		s := "--" + f.Name
		if f.HasValue {
			s += "=" + f.Value
		}
		flags = append(flags, s)
	}
	if fmt.Sprint(flags) != fmt.Sprint(n.Flags) && isASCII(n.Original) {
		problems = append(problems, fmt.Sprintf("line %d: flags %q, BuildKit %q", n.StartLine, flags, n.Flags))
	}
	switch strings.ToLower(n.Value) {
	case "env", "label", "onbuild":
		return problems
	}
	var want []string
	for c := n.Next; c != nil; c = c.Next {
		want = append(want, c.Value)
	}
	var got []string
	for _, a := range in.Args {
		got = append(got, a.Value)
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		problems = append(problems, fmt.Sprintf("line %d: args %q, BuildKit %q", n.StartLine, got, want))
	}
	return problems
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
