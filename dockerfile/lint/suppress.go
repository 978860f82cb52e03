package lint

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/dockerfile"
	"github.com/zlayer/zlayer/source"
)

// suppressions are the silencing comments of a file.
type suppressions struct {
	global     map[string]bool         // codes ignored in the whole file
	byLine     map[int]map[string]bool // first line of an instruction → codes
	checkSkip  map[string]bool         // BuildKit rules skipped by "# check=skip="
	checkAll   bool                    // "# check=skip=all"
	checkError bool                    // "# check=error=true"
}

var (
	reHadolint = regexp.MustCompile(`^#\s*hadolint\s+(global\s+)?ignore\s*=\s*(\S+)`)
	reZlayer   = regexp.MustCompile(`^#\s*zlayer-ignore\s*:\s*(.+)$`)
)

func suppressionsOf(f *dockerfile.File) *suppressions {
	s := &suppressions{global: map[string]bool{}, byLine: map[int]map[string]bool{}, checkSkip: map[string]bool{}}
	if opts, _, _, ok := parser.ParseDirective("check", f.Source.Text); ok {
		if cfg, err := linter.ParseLintOptions(opts); err == nil {
			s.checkAll, s.checkError = cfg.SkipAll, cfg.ReturnAsError
			for _, r := range cfg.SkipRules {
				s.checkSkip[r] = true
			}
		}
	}
	for line := 1; line <= f.Source.LineCount(); line++ {
		// Only comment lines can hold a suppression; the others skip
		// the patterns.
		text := commentLine(f, line)
		if text == "" {
			continue
		}
		if m := reHadolint.FindStringSubmatch(text); m != nil && m[1] != "" {
			addCodes(s.global, m[2])
		}
	}
	for _, in := range f.Instructions {
		var codes map[string]bool
		for line := in.KeywordRange.Start.Line - 1; line >= 1; line-- {
			text := commentLine(f, line)
			if text == "" {
				break
			}
			if m := reHadolint.FindStringSubmatch(text); m != nil && m[1] == "" {
				codes = addCodes(codes, m[2])
			}
			if m := reZlayer.FindStringSubmatch(text); m != nil {
				codes = addCodes(codes, m[1])
			}
		}
		if len(codes) > 0 {
			s.byLine[in.KeywordRange.Start.Line] = codes
		}
	}
	return s
}

// commentLine returns line n of f without surrounding white space when it
// is a comment ("#..."), else "".
func commentLine(f *dockerfile.File, n int) string {
	start := f.Source.Offset(source.Pos{Line: n})
	text := bytes.TrimSpace(f.Source.Text[start : start+f.Source.LineLen(n)])
	if len(text) == 0 || text[0] != '#' {
		return ""
	}
	return string(text)
}

// addCodes adds the codes of a comma- or blank-separated list to set,
// making it if it is nil, and returns it.
func addCodes(set map[string]bool, list string) map[string]bool {
	for _, c := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if set == nil {
			set = map[string]bool{}
		}
		set[c] = true
	}
	return set
}

func (s *suppressions) skipCheck(rule string) bool { return s.checkAll || s.checkSkip[rule] }

// filter drops silenced diagnostics: those of a globally ignored code and
// those inside an instruction whose comment ignores their code.
func (s *suppressions) filter(f *dockerfile.File, ds []diag.Diagnostic) []diag.Diagnostic {
	out := make([]diag.Diagnostic, 0, len(ds))
	for _, d := range ds {
		if s.global[d.Code] || s.ignoredAt(f, d) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (s *suppressions) ignoredAt(f *dockerfile.File, d diag.Diagnostic) bool {
	if len(s.byLine) == 0 {
		return false
	}
	for _, in := range f.Instructions {
		if in.Range.Start.Line <= d.Range.Start.Line && d.Range.Start.Line <= in.Range.End.Line {
			return s.byLine[in.KeywordRange.Start.Line][d.Code]
		}
	}
	return false
}
