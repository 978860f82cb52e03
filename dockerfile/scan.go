package dockerfile

import (
	"bytes"
	"sort"
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// A logical line is one instruction as BuildKit sees it: the physical lines
// joined after removing continuation tokens, comment lines and empty
// continuation lines. The scanner keeps, for every byte of the logical line,
// where it came from, so that ranges found in the logical text map back to
// the file.

// segment maps logical[at:at+n] to the file bytes text[src:src+n].
type segment struct {
	at, src, n int
}

// logical is one scanned instruction.
type logical struct {
	text      string
	buf       []byte // text while it is assembled
	origin    int    // file offset of the first line's content
	segs      []segment
	startLine int // 1-based physical line of the first content
	endLine   int // last physical line consumed (heredoc terminators included)
	// emptyContinuation is the line BuildKit reports for an empty
	// continuation line inside the instruction (0 when there is none).
	emptyContinuation int
	heredocs          []scannedHeredoc
	tok               tokens
}

// scannedHeredoc is the body of one heredoc: the lines after the
// instruction up to and including the terminator line.
type scannedHeredoc struct {
	parser.Heredoc
	bodyStart, bodyEnd int // byte offsets of the body in the file
	endOffset          int // end of the terminator line (without newline)
	terminated         bool
}

// physLine is one line of the file.
type physLine struct {
	start, end int    // offsets of the first byte and after the newline
	text       []byte // without the trailing "\r\n"
}

// scanner splits a file into logical lines the way BuildKit's parser does,
// but never fails: it is also the tolerant fallback for files BuildKit
// rejects.
type scanner struct {
	src    []byte
	lines  []physLine
	escape rune
}

func newScanner(src []byte) *scanner {
	s := &scanner{src: src}
	start := 0
	for start <= len(src) {
		end := bytes.IndexByte(src[start:], '\n')
		next := len(src) + 1
		if end < 0 {
			end = len(src)
		} else {
			end += start
			next = end + 1
		}
		if start == len(src) && end == start && start > 0 {
			break // no empty line after a final newline
		}
		s.lines = append(s.lines, physLine{
			start: start,
			end:   min(next, len(src)),
			text:  bytes.TrimRight(src[start:end], "\r\n"),
		})
		start = next
	}
	s.setEscape('\\')
	return s
}

func (s *scanner) setEscape(r rune) { s.escape = r }

// trimContinuation returns the length of line without a trailing
// continuation token and reports whether the line ends the instruction.
// As in BuildKit, the escape token continues the line when only blanks
// follow it and it is not itself escaped.
func (s *scanner) trimContinuation(line []byte) (int, bool) {
	t := bytes.TrimRight(line, " \t")
	n := len(t)
	if n == 0 || rune(t[n-1]) != s.escape || n >= 2 && rune(t[n-2]) == s.escape {
		return len(line), true
	}
	return n - 1, false
}

func isCommentLine(line []byte) bool {
	line = bytes.TrimLeftFunc(line, unicode.IsSpace)
	return len(line) > 0 && line[0] == '#'
}

// scan returns the logical lines of the file.
func (s *scanner) scan() []logical {
	var out []logical
	var directives parser.DirectiveParser
	for i := 0; i < len(s.lines); i++ {
		ln := s.lines[i]
		text, off := ln.text, ln.start
		if i == 0 {
			if b, ok := bytes.CutPrefix(text, []byte("\xef\xbb\xbf")); ok {
				text, off = b, off+3
			}
		}
		trimmed := bytes.TrimLeftFunc(text, unicode.IsSpace)
		off += len(text) - len(trimmed)
		if d, err := directives.ParseLine(trimmed); err == nil && d != nil && d.Name == "escape" {
			if d.Value == "`" || d.Value == `\` {
				s.setEscape(rune(d.Value[0]))
			}
		}
		if isCommentLine(trimmed) {
			continue
		}
		n, end := s.trimContinuation(trimmed)
		if end && n == 0 {
			continue
		}
		l := logical{startLine: i + 1, origin: off}
		l.add(trimmed[:n], off)
		for !end && i+1 < len(s.lines) {
			i++
			next := s.lines[i]
			directives.ParseLine(next.text)
			if isCommentLine(next.text) {
				continue
			}
			if len(bytes.TrimLeftFunc(next.text, unicode.IsSpace)) == 0 {
				l.emptyContinuation = i + 1
				continue
			}
			n, end = s.trimContinuation(next.text)
			l.add(next.text[:n], next.start)
		}
		l.endLine = i + 1
		l.text, l.buf = string(l.buf), nil
		l.tok = tokenize(l.text, s.escape)
		i = s.readHeredocs(&l, i)
		out = append(out, l)
	}
	return out
}

func (l *logical) add(b []byte, src int) {
	if len(b) == 0 {
		return
	}
	l.segs = append(l.segs, segment{at: len(l.buf), src: src, n: len(b)})
	l.buf = append(l.buf, b...)
}

// readHeredocs consumes the heredoc bodies of l, which ends on line index
// i, and returns the index of the last line consumed.
func (s *scanner) readHeredocs(l *logical, i int) int {
	names := heredocNames(l.tok, l.text)
	for _, h := range names {
		sh := scannedHeredoc{Heredoc: h}
		if i+1 < len(s.lines) {
			sh.bodyStart = s.lines[i+1].start
		} else {
			sh.bodyStart = len(s.src)
		}
		sh.bodyEnd, sh.endOffset = sh.bodyStart, sh.bodyStart
		for i+1 < len(s.lines) {
			i++
			line := s.lines[i]
			candidate := line.text
			if h.Chomp {
				candidate = bytes.TrimLeft(candidate, "\t")
			}
			sh.endOffset = line.start + len(line.text)
			if string(candidate) == h.Name {
				sh.terminated = true
				break
			}
			sh.bodyEnd = line.end
			sh.Content += string(s.src[line.start:line.end])
		}
		l.endLine = i + 1
		l.heredocs = append(l.heredocs, sh)
	}
	return i
}

// heredocNames lists the heredocs a logical line opens, in order. Only RUN,
// COPY and ADD (also as an ONBUILD trigger) in shell form take heredocs.
func heredocNames(tok tokens, line string) []parser.Heredoc {
	if strings.EqualFold(tok.keyword.text, "onbuild") && tok.trigger != nil {
		tok = *tok.trigger
	}
	switch strings.ToLower(tok.keyword.text) {
	case "run", "copy", "add":
	default:
		return nil
	}
	if tok.json || !strings.Contains(line, "<<") {
		return nil
	}
	lex := shell.NewLex('\\')
	lex.RawQuotes = true
	lex.RawEscapes = true
	lex.SkipUnsetEnv = true
	words, _ := lex.ProcessWords(line, noEnv{})
	var docs []parser.Heredoc
	for _, w := range words {
		if h, err := parser.ParseHeredoc(w); err == nil && h != nil {
			docs = append(docs, *h)
		}
	}
	return docs
}

// noEnv is an empty variable environment for the shell lexer.
type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }

// srcOffset maps a byte offset of the logical text to a file offset. An
// offset at the end of a segment maps to the end of that segment.
func (l *logical) srcOffset(at int) int {
	if len(l.segs) == 0 {
		return l.origin
	}
	i := sort.Search(len(l.segs), func(i int) bool { return at < l.segs[i].at+l.segs[i].n })
	if i == len(l.segs) {
		last := l.segs[len(l.segs)-1]
		return last.src + last.n
	}
	return l.segs[i].src + max(at-l.segs[i].at, 0)
}

// span maps the logical range [start, end) to file offsets. The end maps
// through the last byte so that a span ending a physical line does not
// jump to the next one.
func (l *logical) span(start, end int) (int, int) {
	s := l.srcOffset(start)
	if end <= start {
		return s, s
	}
	return s, l.srcOffset(end-1) + 1
}
