// Package lint checks Dockerfiles beyond what the parser rejects: the
// BuildKit build checks that only run inside BuildKit's LLB converter
// (reimplemented here on the parsed instructions, under BuildKit's rule
// names and documentation links) and a set of hadolint best practices.
// The language server and `zlayer check` report its findings next to the
// parser's diagnostics.
//
// Findings can be silenced per instruction with a comment on the lines
// just above it ("# hadolint ignore=DL3008,DL3015" or
// "# zlayer-ignore: UndefinedVar"), for the whole file with
// "# hadolint global ignore=..." or BuildKit's "# check=skip=..."
// directive, and re-graded or switched off with Config.Rules.
package lint

import (
	"iter"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// Config adjusts the rules.
type Config struct {
	// Rules maps a rule code to "off", "hint", "info", "warning" or
	// "error"; rules not listed keep their default severity.
	Rules map[string]string
}

// Rule describes one check.
type Rule struct {
	Code string
	// Severity is the default; zero means the rule is off unless
	// Config.Rules turns it on.
	Severity diag.Severity
	URL      string
	// BuildKit marks BuildKit's build checks, which "# check=" controls.
	BuildKit bool
	check    func(*checker)
}

// Rules lists every rule this package implements: BuildKit's, then
// hadolint's, then this toolkit's own.
func Rules() []Rule {
	return append(append(buildkitRules(), hadolintRules()...), zlayerRules()...)
}

// Check runs the rules on a parsed Dockerfile and returns their findings
// that no suppression comment silences, sorted by position.
func Check(f *dockerfile.File, cfg Config) []diag.Diagnostic {
	if f == nil {
		return nil
	}
	sup := suppressionsOf(f)
	var out []diag.Diagnostic
	scripts := map[*dockerfile.Instruction][]shellCommand{}
	for _, r := range Rules() {
		sev := r.Severity
		if s, ok := cfg.Rules[r.Code]; ok {
			sev, _ = diag.ParseSeverity(strings.ToLower(s)) // "off" and unknown values give 0
		}
		if sev == 0 || r.BuildKit && sup.skipCheck(r.Code) {
			continue
		}
		if r.BuildKit && sup.checkError {
			sev = diag.Error
		}
		c := &checker{f: f, rule: r, sev: sev, scripts: scripts}
		r.check(c)
		out = append(out, c.out...)
	}
	out = sup.filter(f, out)
	diag.Sort(out)
	return out
}

// Filter drops the diagnostics that suppression comments of f silence. It
// applies to any diagnostics of the file, the parser's included.
func Filter(f *dockerfile.File, ds []diag.Diagnostic) []diag.Diagnostic {
	return suppressionsOf(f).filter(f, ds)
}

// checker runs one rule on one file.
type checker struct {
	f    *dockerfile.File
	rule Rule
	sev  diag.Severity
	out  []diag.Diagnostic
	// scripts holds the shell commands of each RUN, lexed once for all
	// rules of a Check.
	scripts map[*dockerfile.Instruction][]shellCommand
}

func (c *checker) report(r source.Range, msg string) {
	c.out = append(c.out, diag.Diagnostic{
		File: c.f.Source.Name, Range: r, Severity: c.sev, Code: c.rule.Code,
		Source: dockerfile.Source, Message: msg, URL: c.rule.URL,
	})
}

// parsed yields the instructions of a stage that BuildKit parsed.
func parsed(st *dockerfile.Stage) iter.Seq[*dockerfile.Instruction] {
	return func(yield func(*dockerfile.Instruction) bool) {
		for _, in := range st.Instructions {
			if in.Command != nil && !yield(in) {
				return
			}
		}
	}
}

// argsRange covers all arguments of an instruction (its keyword when it
// has none).
func argsRange(in *dockerfile.Instruction) source.Range {
	if len(in.Args) == 0 {
		return in.KeywordRange
	}
	return source.Range{Start: in.Args[0].Range.Start, End: in.Args[len(in.Args)-1].Range.End}
}

// stageByRef finds the stage a --from or base value names before index
// before: a stage name (case-insensitive) or a stage index.
func stageByRef(f *dockerfile.File, ref string, before int) *dockerfile.Stage {
	for _, st := range f.Stages {
		if st.Index >= before {
			break
		}
		if st.Name != "" && strings.EqualFold(st.Name, ref) {
			return st
		}
	}
	if n, ok := atoi(ref); ok && n < before && n < len(f.Stages) {
		return f.Stages[n]
	}
	return nil
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// suggest returns the closest candidate within edit distance 2, or "".
func suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(c), nil); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
