package diag

import (
	"testing"

	"github.com/zlayer/zlayer/source"
)

func TestSort(t *testing.T) {
	at := func(line, col int) source.Range { return source.Range{Start: source.Pos{Line: line, Col: col}} }
	ds := []Diagnostic{
		{File: "b", Range: at(1, 0), Code: "A"},
		{File: "a", Range: at(2, 0), Code: "A"},
		{File: "a", Range: at(1, 5), Code: "B"},
		{File: "a", Range: at(1, 5), Code: "A"},
		{File: "a", Range: at(1, 1), Code: "Z"},
	}
	Sort(ds)
	want := []string{"a1:1Z", "a1:5A", "a1:5B", "a2:0A", "b1:0A"}
	for i, d := range ds {
		got := d.File + string(rune('0'+d.Range.Start.Line)) + ":" + string(rune('0'+d.Range.Start.Col)) + d.Code
		if got != want[i] {
			t.Errorf("position %d: %s, want %s", i, got, want[i])
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range []Severity{Error, Warning, Info, Hint} {
		got, ok := ParseSeverity(s.String())
		if !ok || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s.String(), got, ok)
		}
	}
	if _, ok := ParseSeverity("off"); ok {
		t.Error(`ParseSeverity("off") succeeded`)
	}
	if !HasError([]Diagnostic{{Severity: Warning}, {Severity: Error}}) || HasError([]Diagnostic{{Severity: Warning}}) {
		t.Error("HasError is wrong")
	}
}
