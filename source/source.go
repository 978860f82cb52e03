// Package source locates text in build files. Every parser in the toolkit
// records positions as a line and a byte column; this package converts them
// to the columns users and editors count in: 1-based code points for the
// command line and 0-based UTF-16 or UTF-8 units for the language server.
package source

import (
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// Pos is a position in a file: a 1-based line and a 0-based byte offset
// within that line.
type Pos struct {
	Line int
	Col  int
}

// Before reports whether p comes strictly before q.
func (p Pos) Before(q Pos) bool {
	return p.Line < q.Line || p.Line == q.Line && p.Col < q.Col
}

// Range is a half-open span [Start, End) of a file.
type Range struct {
	Start, End Pos
}

// Contains reports whether p lies within r; the end position counts as
// inside so that a cursor just after a word still belongs to it.
func (r Range) Contains(p Pos) bool {
	return !p.Before(r.Start) && !r.End.Before(p)
}

// IsZero reports whether r is the zero Range (no position known).
func (r Range) IsZero() bool { return r == Range{} }

// Location is a range in a named file.
type Location struct {
	File  string
	Range Range
}

// File is the text of one build file with an index of its line starts.
type File struct {
	Name  string
	Text  []byte
	lines []int // byte offset of the start of each line
}

// NewFile indexes text. A leading UTF-8 byte-order mark is kept in Text and
// counts as part of line 1, as editors do.
func NewFile(name string, text []byte) *File {
	lines := []int{0}
	for i, b := range text {
		if b == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &File{Name: name, Text: text, lines: lines}
}

// LineCount is the number of lines; a file ending in a newline has an empty
// last line.
func (f *File) LineCount() int { return len(f.lines) }

// LineText returns line n (1-based) without its line ending, or "" when n is
// out of range.
func (f *File) LineText(n int) string {
	start, end := f.lineBounds(n)
	return string(f.Text[start:end])
}

// LineLen returns the length in bytes of line n without its line ending.
func (f *File) LineLen(n int) int {
	start, end := f.lineBounds(n)
	return end - start
}

// lineBounds returns the byte offsets of line n's text; an empty span when
// n is out of range.
func (f *File) lineBounds(n int) (start, end int) {
	if n < 1 || n > len(f.lines) {
		return 0, 0
	}
	start, end = f.lines[n-1], len(f.Text)
	if n < len(f.lines) {
		end = f.lines[n] - 1
	}
	if end > start && f.Text[end-1] == '\r' {
		end--
	}
	return start, end
}

// Offset converts p to a byte offset in Text, clamped to the file.
func (f *File) Offset(p Pos) int {
	if p.Line < 1 {
		return 0
	}
	if p.Line > len(f.lines) {
		return len(f.Text)
	}
	off := f.lines[p.Line-1] + max(p.Col, 0)
	return min(off, len(f.Text))
}

// PosAt converts a byte offset to a Pos.
func (f *File) PosAt(offset int) Pos {
	offset = min(max(offset, 0), len(f.Text))
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > offset }) - 1
	return Pos{Line: i + 1, Col: offset - f.lines[i]}
}

// PosFromRuneCol converts a 1-based line and a 1-based code-point column
// (as YAML parsers report them) to a Pos.
func (f *File) PosFromRuneCol(line, col int) Pos {
	s := f.LineText(line)
	b := 0
	for n := 1; n < col && b < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[b:])
		b += size
	}
	if col-1 > utf8.RuneCountInString(s) {
		b += col - 1 - utf8.RuneCountInString(s)
	}
	return Pos{Line: line, Col: b}
}

// RuneCol returns the 1-based code-point column of p, as the command line
// prints it.
func (f *File) RuneCol(p Pos) int {
	s := f.LineText(p.Line)
	if p.Col > len(s) {
		return utf8.RuneCountInString(s) + 1 + p.Col - len(s)
	}
	return utf8.RuneCountInString(s[:p.Col]) + 1
}

// UTF16Col returns the 0-based UTF-16 column of p, as LSP counts by default.
func (f *File) UTF16Col(p Pos) int {
	s := f.LineText(p.Line)
	n := 0
	for _, r := range s[:min(p.Col, len(s))] {
		n += utf16.RuneLen(r)
	}
	return n
}

// PosFromUTF16 converts a 0-based line and UTF-16 column to a Pos. Columns
// past the end of the line clamp to its end.
func (f *File) PosFromUTF16(line, col int) Pos {
	s := f.LineText(line + 1)
	n, b := 0, 0
	for _, r := range s {
		if n >= col {
			break
		}
		n += utf16.RuneLen(r)
		b += utf8.RuneLen(r)
	}
	return Pos{Line: line + 1, Col: b}
}

// PosFromUTF8 converts a 0-based line and byte column to a Pos, clamped to the
// line.
func (f *File) PosFromUTF8(line, col int) Pos {
	return Pos{Line: line + 1, Col: min(max(col, 0), f.LineLen(line+1))}
}
