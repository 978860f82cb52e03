package lsp

import (
	"bytes"
	"strings"

	"github.com/zlayer/zlayer/diag"
	"github.com/zlayer/zlayer/source"
)

// ignores records which rule codes are silenced on which lines and in the
// whole file.
type ignores struct {
	lines map[int]map[string]bool // line → codes ("*" = all)
	file  map[string]bool
}

// scanIgnores reads the suppression comments of a file:
//
//	# zlayer-ignore: CODE[,CODE]   (both languages; silences the next line)
//	# hadolint ignore=CODE[,CODE]  (Dockerfiles; next line)
//	# check=skip=Rule[,Rule]|all   (Dockerfile parser directive; whole file)
//
// "Next line" is the next line that is neither blank nor a comment, so that
// several ignore comments can be stacked.
func scanIgnores(f *source.File, dockerfile bool) ignores {
	ig := ignores{lines: map[int]map[string]bool{}, file: map[string]bool{}}
	var pending []string
	inDirectives := dockerfile
	for n := 1; n <= f.LineCount(); n++ {
		start := f.Offset(source.Pos{Line: n})
		text := bytes.TrimSpace(f.Text[start : start+f.LineLen(n)])
		if len(text) == 0 {
			continue
		}
		if text[0] != '#' {
			inDirectives = false
			if len(pending) > 0 {
				set := ig.lines[n]
				if set == nil {
					set = map[string]bool{}
					ig.lines[n] = set
				}
				for _, c := range pending {
					set[c] = true
				}
				pending = nil
			}
			continue
		}
		body := strings.TrimSpace(string(text[1:]))
		if codes, ok := cutCodes(body, "zlayer-ignore:"); ok {
			pending = append(pending, codes...)
		} else if codes, ok := cutCodes(body, "zlayer-ignore "); ok {
			pending = append(pending, codes...)
		} else if dockerfile {
			if codes, ok := cutCodes(body, "hadolint ignore="); ok {
				pending = append(pending, codes...)
			} else if inDirectives {
				if codes, ok := cutCodes(strings.ReplaceAll(body, " ", ""), "check=skip="); ok {
					for _, c := range codes {
						ig.file[c] = true
					}
				}
			}
		}
	}
	return ig
}

// cutCodes parses "prefix CODE, CODE" into codes; "all" becomes "*".
func cutCodes(s, prefix string) ([]string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return nil, false
	}
	rest := s[len(prefix):]
	// A second directive may follow on a check= line: "skip=A;error=true".
	rest, _, _ = strings.Cut(rest, ";")
	var codes []string
	for _, c := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.EqualFold(c, "all") {
			c = "*"
		}
		codes = append(codes, c)
	}
	return codes, len(codes) > 0
}

func (ig ignores) silenced(d diag.Diagnostic) bool {
	if ig.file["*"] || ig.file[d.Code] {
		return true
	}
	set := ig.lines[d.Range.Start.Line]
	return set["*"] || set[d.Code]
}

// filterDiagnostics drops silenced diagnostics and applies lint.rules
// severities ("off" drops the rule).
func filterDiagnostics(ds []diag.Diagnostic, ig ignores, lint LintSettings) []diag.Diagnostic {
	out := make([]diag.Diagnostic, 0, len(ds))
	for _, d := range ds {
		if d.Code != "" && ig.silenced(d) {
			continue
		}
		sev, on := lint.severity(d.Code, d.Severity)
		if !on {
			continue
		}
		d.Severity = sev
		out = append(out, d)
	}
	return out
}
