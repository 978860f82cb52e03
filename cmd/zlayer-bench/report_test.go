package main

import (
	"strings"
	"testing"
	"time"
)

// TestRender pins the table layout: names left, numbers right, the ratio
// as peer/zlayer, a verdict against the target, skipped rows explained.
func TestRender(t *testing.T) {
	tb := &table{
		Title: "Builds: zlayer build vs buildah build --layers",
		Ours:  "zlayer", Peer: "buildah",
		Rows: []row{
			{Name: "cold build", Ours: quantity{Time: 1500 * time.Millisecond}, Peer: quantity{Time: 1610 * time.Millisecond}},
			{Name: "warm rebuild", Ours: quantity{Time: 300 * time.Millisecond}, Peer: quantity{Time: 650 * time.Millisecond}, Target: 2},
			{Name: "one-file change", Ours: quantity{Time: 1770 * time.Millisecond}, Peer: quantity{Time: 1380 * time.Millisecond}, Target: 1},
			{Name: "100 files open: resident memory", Ours: quantity{Bytes: 25 << 20}, Peer: quantity{Bytes: 125 << 20}, Target: 5},
			{Name: "watch", Target: 2, Note: "zlayer has no watch command yet"},
		},
		Warnings: []string{"zlayer: a rebuild with nothing changed tagged a different image"},
	}
	var b strings.Builder
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.txt", b.String())
}

func TestRatio(t *testing.T) {
	r := row{Ours: quantity{Time: time.Second}, Peer: quantity{Time: 3 * time.Second}}
	if got := r.Ratio(); got != 3 {
		t.Errorf("ratio = %v, want 3 (peer/zlayer)", got)
	}
	if got := (row{Peer: quantity{Time: time.Second}}).Ratio(); got != 0 {
		t.Errorf("ratio without our number = %v, want 0", got)
	}
}
