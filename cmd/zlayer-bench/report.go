package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A table compares zlayer with one peer tool, one measurement per row.
type table struct {
	Title string
	// Ours and Peer name the two columns, e.g. "zlayer-lsp" and
	// "yaml-language-server 1.25.0".
	Ours, Peer string
	Rows       []row
	// Warnings are printed under the table, e.g. a rebuild that tagged
	// the wrong image.
	Warnings []string
}

// A row is one measurement of both tools. Ratio is Peer/Ours, so above 1
// means zlayer is faster or smaller; Target is the ratio the issues ask
// for (0: none). A row with Note set was not measured and says why.
type row struct {
	Name       string
	Ours, Peer quantity
	Target     float64
	Note       string
}

// quantity is a duration or a byte count.
type quantity struct {
	Time  time.Duration
	Bytes int64
}

func (q quantity) value() float64 {
	if q.Bytes != 0 {
		return float64(q.Bytes)
	}
	return float64(q.Time)
}

func (q quantity) String() string {
	if q.Bytes != 0 {
		return formatBytes(q.Bytes)
	}
	return formatDuration(q.Time)
}

// Ratio is Peer/Ours, or 0 when either is missing.
func (r row) Ratio() float64 {
	if r.Ours.value() <= 0 || r.Peer.value() <= 0 {
		return 0
	}
	return r.Peer.value() / r.Ours.value()
}

// Render writes the table: names left-aligned, numbers right-aligned,
// then one line per row that was not measured, saying why.
func (t *table) Render(w io.Writer) error {
	cells := [][]string{{"", t.Ours, t.Peer, "ratio", "target", ""}}
	for _, r := range t.Rows {
		if r.Note != "" {
			cells = append(cells, []string{r.Name, "-", "-", "", "", "skipped"})
			continue
		}
		line := []string{r.Name, r.Ours.String(), r.Peer.String(), "", "", ""}
		if r.Target > 0 {
			line[4] = "≥" + fmtRatio(r.Target)
		}
		if x := r.Ratio(); x > 0 {
			line[3] = fmtRatio(x)
			if r.Target > 0 {
				line[5] = "met"
				if x < r.Target {
					line[5] = "missed"
				}
			}
		}
		cells = append(cells, line)
	}
	var b strings.Builder
	b.WriteString(t.Title + "\n")
	writeColumns(&b, cells)
	for _, r := range t.Rows {
		if r.Note != "" {
			fmt.Fprintf(&b, "  %s: %s\n", r.Name, r.Note)
		}
	}
	for _, w := range t.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeColumns pads cells into columns two spaces apart, indented by two:
// the first column left-aligned, the others right-aligned, the last one
// (a verdict) left-aligned.
func writeColumns(b *strings.Builder, cells [][]string) {
	width := make([]int, len(cells[0]))
	for _, line := range cells {
		for i, c := range line {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, line := range cells {
		var l strings.Builder
		l.WriteString("  ")
		for i, c := range line {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				l.WriteString(c + pad)
			case i == len(line)-1:
				l.WriteString("  " + c)
			default:
				l.WriteString("  " + pad + c)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
}

// fmtRatio prints a ratio as ×N with at most three significant digits.
func fmtRatio(x float64) string {
	digits := 2
	switch {
	case x >= 100:
		digits = 0
	case x >= 10:
		digits = 1
	}
	p := math.Pow(10, float64(digits))
	return "×" + strconv.FormatFloat(math.Round(x*p)/p, 'f', -1, 64)
}
