package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRenderParse pins the parse table: the median round's time per
// parse, the fastest and slowest rounds', allocations per parse, and a
// verdict against the 10 ms target.
func TestRenderParse(t *testing.T) {
	tb := &parseTable{Rows: []parseRow{
		{Name: "ZImagefile, 1,000 steps", PerOp: 6120 * time.Microsecond, Fastest: 5800 * time.Microsecond, Slowest: 7400 * time.Microsecond, Allocs: 123456},
		{Name: "Dockerfile, 1,000 steps", PerOp: 12 * time.Millisecond, Fastest: 11 * time.Millisecond, Slowest: 15 * time.Millisecond, Allocs: 987},
	}}
	var b strings.Builder
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "parse-table.txt", b.String())
}

// TestParseBench runs the parse part for real: both rows are measured,
// with a time and an allocation count.
func TestParseBench(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two benchmarks of a second each")
	}
	tb, err := parseBench(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(tb.Rows))
	}
	for _, r := range tb.Rows {
		if !strings.Contains(r.Name, "1,000 steps") || r.PerOp <= 0 || r.Allocs <= 0 {
			t.Errorf("row %+v: want a 1,000-step file measured with time and allocations", r)
		}
	}
}

func TestParseOnlyNeedsNoBinaries(t *testing.T) {
	cfg, err := parseFlags([]string{"-only", "parse", "-zlayer", "/nonexistent", "-lsp", "/nonexistent"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.only != "parse" {
		t.Errorf("only = %q, want parse", cfg.only)
	}
}
