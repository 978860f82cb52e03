// Package diag defines the diagnostics that every part of the toolkit
// reports: parse and validation errors, lint findings and build failures,
// each with a code, a severity and a source range.
package diag

import (
	"cmp"
	"slices"

	"github.com/zlayer/zlayer/source"
)

// Severity orders diagnostics from most to least severe.
type Severity int

// Severities, in LSP order.
const (
	Error Severity = iota + 1
	Warning
	Info
	Hint
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Info:
		return "info"
	case Hint:
		return "hint"
	}
	return "unknown"
}

// ParseSeverity maps "error", "warning", "info" and "hint" to a Severity; it
// reports false for anything else (including "off").
func ParseSeverity(s string) (Severity, bool) {
	for _, v := range []Severity{Error, Warning, Info, Hint} {
		if v.String() == s {
			return v, true
		}
	}
	return 0, false
}

// Related points at another place that explains a diagnostic, such as the
// first occurrence of a duplicate key.
type Related struct {
	File    string
	Range   source.Range
	Message string
}

// Diagnostic is one finding about a build file.
type Diagnostic struct {
	File     string
	Range    source.Range
	Severity Severity
	Code     string // e.g. "ZI108", "DL3008", "StageNameCasing"
	Source   string // "zimagefile", "dockerfile", "zlayer"
	Message  string
	URL      string // documentation of the rule, if any
	Related  []Related
	// NoRange marks build-time diagnostics that come from no node of the
	// file; their Range is meaningless.
	NoRange bool
}

// Sort orders diagnostics by file, then range start, then code.
func Sort(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Range.Start.Line, b.Range.Start.Line); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Range.Start.Col, b.Range.Start.Col); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
}

// HasError reports whether any diagnostic is an error.
func HasError(ds []Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == Error })
}
