// Package dockerfile is the toolkit's Dockerfile front end. It parses a
// Dockerfile with BuildKit's own parser and instruction parser, recovers the
// column ranges BuildKit does not record (every keyword, flag and argument
// knows where it is), reports every problem of a file at once, and converts
// the file to the stage plan that the runner and the language server share.
//
// Parsing never fails: a file BuildKit rejects still yields its
// instructions and stages from a tolerant scanner, so that an editor can
// offer symbols and completion while the user types.
//
// Values in the plan are kept as written; variables are expanded when a
// build resolves the plan (see plan.Resolve).
package dockerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// Source is the value of diag.Diagnostic.Source for the diagnostics of this
// package.
const Source = "dockerfile"

// File is a parsed Dockerfile.
type File struct {
	Source *source.File
	// AST is BuildKit's syntax tree. It is nil when BuildKit could not
	// parse the file at all; when BuildKit failed on some instructions it
	// holds the rest of the file.
	AST *parser.Node
	// Escape is the escape token: '\\' or '`' (from "# escape=").
	Escape rune
	// Instructions lists every instruction in source order, including
	// the global ARGs before the first FROM and instructions that did not
	// parse.
	Instructions []*Instruction
	// Stages lists the FROM sections in source order.
	Stages []*Stage
	// Diagnostics holds every problem found, sorted by position.
	Diagnostics []diag.Diagnostic

	// checkOpts is the text of the "# check=" directive ("" without
	// one): BuildKit's instruction parser warns according to it, so a
	// reparse reuses commands only when it is unchanged.
	checkOpts string
}

// Instruction is one instruction of a Dockerfile with the ranges of its
// parts. Ranges use 1-based lines and 0-based byte columns.
type Instruction struct {
	// Keyword is the instruction name as written, e.g. "run".
	Keyword      string
	KeywordRange source.Range
	Flags        []Flag
	// Args are the arguments after the flags as BuildKit splits them:
	// the words of FROM, COPY or EXPOSE, the key=value words of ENV and
	// LABEL, the strings of an exec-form (JSON) array, or one argument
	// holding the whole command of a shell-form RUN, CMD or ENTRYPOINT.
	Args []Arg
	// JSON reports the exec form (a JSON array of strings).
	JSON bool
	// Range covers the instruction from its keyword to the end of its
	// last line, heredoc bodies included.
	Range    source.Range
	Heredocs []Heredoc
	// Trigger is the instruction an ONBUILD registers.
	Trigger *Instruction
	// Node is BuildKit's node for the instruction; nil when BuildKit's
	// parser failed on it.
	Node *parser.Node
	// Command is BuildKit's typed instruction: an instructions.Command,
	// or *instructions.Stage for FROM. It is nil when the instruction did
	// not parse.
	Command any
	// Stage is the index of the stage the instruction belongs to; -1
	// before the first FROM.
	Stage int

	// hits are the warnings BuildKit's linter gave while parsing Command,
	// kept for a reparse that reuses it.
	hits []lintHit
}

// Name is the upper-case instruction name, e.g. "RUN".
func (in *Instruction) Name() string { return strings.ToUpper(in.Keyword) }

// Flag returns the last flag named name and whether there is one.
func (in *Instruction) Flag(name string) (Flag, bool) {
	for i := len(in.Flags) - 1; i >= 0; i-- {
		if in.Flags[i].Name == name {
			return in.Flags[i], true
		}
	}
	return Flag{}, false
}

// Flag is one "--name=value" option of an instruction.
type Flag struct {
	Name  string
	Value string
	// HasValue reports whether "=" was written.
	HasValue bool
	// Range covers the whole flag; NameRange covers "--name";
	// ValueRange covers the value (empty at the end of the flag when
	// there is none).
	Range, NameRange, ValueRange source.Range
}

// Arg is one argument of an instruction.
type Arg struct {
	// Value is the argument as BuildKit reads it: as written (quotes and
	// escapes kept) in shell form, the decoded string in exec form.
	Value string
	Range source.Range
}

// Heredoc is the inline file of a RUN, COPY or ADD ("<<EOF").
type Heredoc struct {
	Name string
	// Content is the body as written, with its final newline; with
	// Chomp, leading tabs are still in it.
	Content string
	Expand  bool
	Chomp   bool
	// Range covers the body and the terminator line.
	Range source.Range
	// Terminated is false when the file ended before the terminator.
	Terminated bool
}

// Stage is one FROM section.
type Stage struct {
	Index int
	// Name is the lower-cased AS name ("" when there is none), as
	// BuildKit refers to stages.
	Name      string
	NameRange source.Range
	// Base is the base as written: an image, a stage name or "scratch".
	Base      string
	BaseRange source.Range
	// Platform is the --platform value as written.
	Platform string
	// From is the FROM instruction.
	From *Instruction
	// Instructions are the instructions after FROM, in order.
	Instructions []*Instruction
	// Range covers the stage from FROM to its last instruction.
	Range source.Range
}

// IsDockerfileName reports whether a base name is a Dockerfile name:
// "Dockerfile", "Dockerfile.<suffix>", "<name>.dockerfile" or
// "Containerfile" (case-sensitive, design §3).
func IsDockerfileName(base string) bool {
	switch {
	case base == "Dockerfile", base == "Containerfile":
		return true
	case strings.HasPrefix(base, "Dockerfile.") && len(base) > len("Dockerfile."):
		return true
	case strings.HasSuffix(base, ".dockerfile") && len(base) > len(".dockerfile"):
		return true
	}
	return false
}
